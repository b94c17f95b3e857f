export { LocalMediaStore, ObjectTooLargeError, contentTypeForKey, isMediaKey } from './local-store.js';
export type { MediaStore, StoredObject } from './types.js';
