import type { Language } from '../../intent/types.js';
import { responseIdOf } from './response-object.js';

/**
 * The last delta of a stream the gateway closes while stopping: the job goes on, and where to find it
 * (`eventsUrl`: the absolute `GET /v1/jobs/{id}/events`, answered by any instance).
 */
export function shutdownText(language: Language, jobId: string, eventsUrl: string): string {
  const responseId = responseIdOf(jobId);
  return language === 'zh'
    ? `> ⏸️ 网关正在重启，任务 ${jobId} 会继续执行。可通过 ${eventsUrl}（服务器推送事件）跟踪进度，通过 GET /v1/responses/${responseId}（或 GET /v1/jobs/${jobId}）获取结果，或重新发送此请求。\n\n`
    : `> ⏸️ The gateway is restarting; job ${jobId} continues. Follow its progress at ${eventsUrl} (server-sent events), fetch its result with GET /v1/responses/${responseId} (or GET /v1/jobs/${jobId}), or send this request again.\n\n`;
}
