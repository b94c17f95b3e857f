import type { Language } from '../../intent/types.js';
import { responseIdOf } from './response-object.js';

/** The last delta of a stream the gateway closes while stopping: the job goes on, and where to find it. */
export function shutdownText(language: Language, jobId: string): string {
  const responseId = responseIdOf(jobId);
  return language === 'zh'
    ? `> ⏸️ 网关正在重启，任务 ${jobId} 会继续执行。请通过 GET /v1/responses/${responseId}（或 GET /v1/jobs/${jobId}）获取结果，或重新发送此请求。\n\n`
    : `> ⏸️ The gateway is restarting; job ${jobId} continues. Fetch its result with GET /v1/responses/${responseId} (or GET /v1/jobs/${jobId}), or send this request again.\n\n`;
}
