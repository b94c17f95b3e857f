/**
 * The client-supplied task reference for a job. Deterministic, so a process that resumes the job
 * after a crash can look the task up by it; a job is submitted on one upstream account at a time
 * and only repeated when the upstream certainly did not accept it, so the reference stays unique
 * per account ("unique per account" is Kling's rule for `external_task_id`).
 */
export const clientReferenceOf = (jobId: string): string => `mediagate-${jobId}`;
