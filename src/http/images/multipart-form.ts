import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError, badRequest } from '../errors.js';

/** One uploaded file, buffered (uploads are images bounded by the reference size limit). */
export interface FormFile {
  /** Field name without a trailing `[]`. */
  field: string;
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface MultipartForm {
  /**
   * Text fields, with `name[]` collected into arrays and `name[key]` into objects (how the
   * OpenAI SDKs encode arrays and nested objects), and files placed by field name as `File`s, so
   * the body validates against the same zod schema whether it came as JSON or as a form.
   */
  body: Record<string, unknown>;
  files: FormFile[];
  /** Fields plus each file's SHA-256, for Idempotency-Key fingerprints. */
  fingerprintContent: Record<string, unknown>;
}

export interface MultipartLimits {
  maxFileBytes: number;
  maxFiles: number;
}

const FIELD_NAME = /^([A-Za-z0-9_]+)(?:\[([A-Za-z0-9_]*)\])?$/;

function place(target: Record<string, unknown>, name: string, value: unknown, param: string): void {
  const match = FIELD_NAME.exec(name);
  if (!match) throw badRequest(`Form field "${name.slice(0, 64)}" is not a field this endpoint takes.`, param);
  const [, base, sub] = match;
  if (base === '__proto__' || base === 'constructor' || sub === '__proto__' || sub === 'constructor') {
    throw badRequest(`Form field "${name}" is not allowed.`, param);
  }
  if (sub === undefined) {
    target[base] = value;
  } else if (sub === '') {
    if (!Array.isArray(target[base])) target[base] = [];
    (target[base] as unknown[]).push(value);
  } else {
    const current = target[base];
    if (!current || typeof current !== 'object' || Array.isArray(current)) target[base] = {};
    (target[base] as Record<string, unknown>)[sub] = value;
  }
}

/** Translates @fastify/multipart's limit errors into the API's envelope. */
function formError(err: unknown, limits: MultipartLimits): unknown {
  const code = (err as { code?: string })?.code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new ApiError(
      413,
      `An uploaded file is larger than the ${limits.maxFileBytes}-byte limit.`,
      'invalid_request_error',
      null,
      'image_too_large',
    );
  }
  if (code === 'FST_FILES_LIMIT') {
    return badRequest(
      limits.maxFiles === 1
        ? 'Only one file can be uploaded in this request.'
        : `At most ${limits.maxFiles} files can be uploaded in one request.`,
      null,
      'too_many_files',
    );
  }
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return badRequest('The form has too many fields.', null, 'too_many_fields');
  if (code === 'FST_PROTO_VIOLATION') return badRequest('The form has a forbidden field name.', null, 'invalid_value');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return badRequest('The request is not multipart/form-data.', null, 'invalid_value');
  if (err instanceof ApiError) return err;
  // Anything else comes from the form parser (busboy) reading what the client sent.
  return badRequest(`The multipart form is malformed: ${describeFormProblem(err)}`, null, 'invalid_multipart');
}

/** Busboy's messages name the problem but not what to do about it. */
function describeFormProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/boundary not found/i.test(message))
    return 'the Content-Type header has no boundary (multipart/form-data; boundary=…).';
  if (/unexpected end/i.test(message))
    return 'the body ends before the closing boundary (--boundary--); a part was cut short or the boundary is wrong.';
  if (/malformed part header/i.test(message)) return 'a part has malformed headers.';
  return `${message.slice(0, 200)}.`;
}

/** Reads a multipart/form-data request whole, within the upload limits. */
export async function readMultipartForm(request: FastifyRequest, limits: MultipartLimits): Promise<MultipartForm> {
  const body: Record<string, unknown> = {};
  const fingerprintContent: Record<string, unknown> = {};
  const files: FormFile[] = [];
  try {
    const parts = request.parts({
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: 100,
        parts: limits.maxFiles + 100,
        fieldSize: 1024 * 1024,
      },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        const field = part.fieldname.replace(/\[\]$/, '');
        const file = {
          field,
          filename: part.filename || 'upload',
          mimetype: part.mimetype || 'application/octet-stream',
          data,
        };
        files.push(file);
        place(
          body,
          part.fieldname,
          new File([data as Uint8Array<ArrayBuffer>], file.filename, { type: file.mimetype }),
          part.fieldname,
        );
        place(
          fingerprintContent,
          part.fieldname,
          { sha256: createHash('sha256').update(data).digest('hex') },
          part.fieldname,
        );
      } else {
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        place(body, part.fieldname, value, part.fieldname);
        place(fingerprintContent, part.fieldname, value, part.fieldname);
      }
    }
  } catch (err) {
    throw formError(err, limits);
  }
  return { body, files, fingerprintContent };
}
