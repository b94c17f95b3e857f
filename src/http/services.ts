import type { ModelSpec } from '../catalog/types.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobRecord } from '../jobs/types.js';
import type { SseKeepAlive } from './sse.js';
import type { PreparedGeneration } from './chat/prepare.js';
import type { ChatCompletionBody } from './chat/schema.js';

/** What the routes need from the rest of the gateway; built once in `buildApp`. */
export interface GatewayServices {
  runner: JobRunner;
  keepAlive: SseKeepAlive;
  /** Public URL of a stored object. */
  mediaUrl(key: string): string;
  newJobId(): string;
  findJob(id: string): Promise<JobRecord | null>;
  /** Catalog models that some configured channel serves. */
  servedModels(): ModelSpec[];
  prepareChatGeneration(body: ChatCompletionBody): Promise<PreparedGeneration>;
}
