/**
 * A task submission as the task service takes it: plain data, validated by whoever received it
 * (the HTTP route checks it against its schema first). One definition, the API's own.
 */
export type { SubmitTaskRequest, TaskOptionsRequest } from '../../packages/client/src/types.js';
