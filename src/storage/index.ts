export { contentTypeForKey, isMediaKey } from './keys.js';
export { LocalMediaStore } from './local-store.js';
export { ObjectTooLargeError } from './spool.js';
export type { ByteRange, MediaStore, ObjectInfo, StoredObject } from './types.js';
