import type { RequestOptions } from './http.js';
import type { ArgsOf, RequestOperationId, ResponseOf } from './routes.js';
import type { CreateScheduleRequest, DeletedSchedule, ListScheduleRunsQuery, Schedule, ScheduleList, ScheduleRunList, UpdateScheduleRequest } from './types.js';

/** What SchedulesApi needs of the client: its typed request. */
interface Requester {
  request<Op extends RequestOperationId>(op: Op, args: ArgsOf<Op>, options?: RequestOptions): Promise<ResponseOf<Op>>;
}

/** `ccs.schedules`: tasks the server starts by itself on a cron schedule. */
export class SchedulesApi {
  constructor(private readonly client: Requester) {}

  /** A `schedule_id` of your own makes a retry safe: the same body returns the same schedule. */
  create(body: CreateScheduleRequest, options?: RequestOptions): Promise<Schedule> {
    return this.client.request('createSchedule', { body }, options);
  }

  list(options?: RequestOptions): Promise<ScheduleList> {
    return this.client.request('listSchedules', {}, options);
  }

  get(scheduleId: string, options?: RequestOptions): Promise<Schedule> {
    return this.client.request('getSchedule', { path: { schedule_id: scheduleId } }, options);
  }

  /** Changes only the fields given; `task` replaces the whole template. */
  update(scheduleId: string, body: UpdateScheduleRequest, options?: RequestOptions): Promise<Schedule> {
    return this.client.request('updateSchedule', { path: { schedule_id: scheduleId }, body }, options);
  }

  /** Stops future firings; tasks it already started are left alone. */
  delete(scheduleId: string, options?: RequestOptions): Promise<DeletedSchedule> {
    return this.client.request('deleteSchedule', { path: { schedule_id: scheduleId } }, options);
  }

  /** The tasks the schedule started, newest first, each with its current status. */
  runs(scheduleId: string, query: ListScheduleRunsQuery = {}, options?: RequestOptions): Promise<ScheduleRunList> {
    return this.client.request('listScheduleRuns', { path: { schedule_id: scheduleId }, query }, options);
  }
}
