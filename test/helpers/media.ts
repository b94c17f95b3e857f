import sharp from 'sharp';

/** Format and pixel size read from the image itself. */
export async function imageInfo(data: Buffer): Promise<{ format: string; width: number; height: number }> {
  const meta = await sharp(data).metadata();
  return { format: meta.format ?? 'unknown', width: meta.width ?? 0, height: meta.height ?? 0 };
}

interface Box {
  type: string;
  start: number;
  /** Offset of the box's payload. */
  body: number;
  end: number;
}

function* boxes(data: Buffer, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    let body = offset + 8;
    if (size === 1) {
      size = Number(data.readBigUInt64BE(offset + 8));
      body += 8;
    } else if (size === 0) size = end - offset;
    if (size < 8) return;
    yield { type, start: offset, body, end: Math.min(end, offset + size) };
    offset += size;
  }
}

const child = (data: Buffer, parent: Box, type: string) =>
  [...boxes(data, parent.body, parent.end)].find((b) => b.type === type);

/** Reads `(timescale, duration)` from an mvhd or mdhd box (versions 0 and 1). */
function timing(data: Buffer, box: Box): { timescale: number; duration: number } {
  const version = data[box.body];
  return version === 1
    ? { timescale: data.readUInt32BE(box.body + 20), duration: Number(data.readBigUInt64BE(box.body + 24)) }
    : { timescale: data.readUInt32BE(box.body + 12), duration: data.readUInt32BE(box.body + 16) };
}

/**
 * Duration, size and codec of an MP4, parsed from its boxes (no ffprobe): the video track's
 * mdhd duration, tkhd width/height (16.16 fixed point) and the first stsd sample entry.
 */
export function mp4Info(data: Buffer): { durationSeconds: number; width: number; height: number; codec: string } {
  const moov = [...boxes(data, 0, data.length)].find((b) => b.type === 'moov');
  if (!moov) throw new Error('not an MP4: no moov box');
  for (const trak of boxes(data, moov.body, moov.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(data, trak, 'mdia');
    const hdlr = mdia && child(data, mdia, 'hdlr');
    if (!mdia || !hdlr || data.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
    const tkhd = child(data, trak, 'tkhd')!;
    const dims = tkhd.end - 8;
    const width = data.readUInt32BE(dims) / 65536;
    const height = data.readUInt32BE(dims + 4) / 65536;
    const { timescale, duration } = timing(data, child(data, mdia, 'mdhd')!);
    const stbl = child(data, child(data, mdia, 'minf')!, 'stbl')!;
    const stsd = child(data, stbl, 'stsd')!;
    const codec = data.toString('latin1', stsd.body + 12, stsd.body + 16);
    return { durationSeconds: duration / timescale, width, height, codec };
  }
  const mvhd = child(data, moov, 'mvhd');
  if (!mvhd) throw new Error('MP4 has neither a video track nor an mvhd box');
  throw new Error('MP4 has no video track');
}
