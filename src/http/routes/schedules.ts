import type { FastifyInstance } from 'fastify';
import type { ScheduleService } from '../../schedules/schedule-service.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { deletedScheduleSchema, scheduleListSchema, scheduleRunListSchema, scheduleSchema } from '../response-schemas.js';
import { createScheduleSchema, listScheduleRunsQuerySchema, updateScheduleSchema } from '../schedule-schemas.js';
import { scheduleView } from '../schedule-views.js';
import { validate } from '../validate.js';

interface ScheduleParams {
  schedule_id: string;
}

const BAD_SCHEDULE =
  'VALIDATION_ERROR (the body), INVALID_SCHEDULE (a cron expression or time zone that cannot be used; `details[0].path` names the field), WORKSPACE_OUTSIDE_ROOT, WORKSPACE_INVALID, WEBHOOK_URL_REFUSED, WEBHOOK_SECRET_MISSING, NETWORK_ALLOW_OUTSIDE_TENANT or PERMISSION_MODE_REFUSED.';
const NOT_FOUND = errorResponse("SCHEDULE_NOT_FOUND (another tenant's schedule too).");

export const SCHEDULE_OPERATIONS = {
  createSchedule: operation({
    method: 'post',
    path: '/api/v1/schedules',
    id: 'createSchedule',
    summary: 'Create a schedule',
    description:
      "Each tick of `cron` (in `timezone`) submits `task` as an ordinary task of the caller's tenant, with `schedule_id` on its record. " +
      'Resending the same `schedule_id` with the same body returns the existing schedule (200); a different body under that id is 409.',
    tags: ['schedules'],
    body: createScheduleSchema,
    responses: {
      '201': json(scheduleSchema, 'The new schedule, with its `next_fire_at`.'),
      '200': json(scheduleSchema, 'The same schedule_id and body were already sent: the existing schedule.'),
      '400': errorResponse(BAD_SCHEDULE),
      '409': errorResponse('SCHEDULE_ID_CONFLICT.'),
    },
  }),
  listSchedules: operation({
    method: 'get',
    path: '/api/v1/schedules',
    id: 'listSchedules',
    summary: "List the caller's schedules, oldest first",
    tags: ['schedules'],
    responses: { '200': json(scheduleListSchema, 'The schedules.') },
  }),
  getSchedule: operation({
    method: 'get',
    path: '/api/v1/schedules/{schedule_id}',
    id: 'getSchedule',
    summary: 'Get a schedule',
    tags: ['schedules'],
    responses: { '200': json(scheduleSchema, 'The schedule.'), '404': NOT_FOUND },
  }),
  updateSchedule: operation({
    method: 'patch',
    path: '/api/v1/schedules/{schedule_id}',
    id: 'updateSchedule',
    summary: 'Change a schedule',
    description: 'Fields left out keep their values; `task` is replaced whole. A new `cron` or `timezone`, or re-enabling, counts from now.',
    tags: ['schedules'],
    body: updateScheduleSchema,
    responses: { '200': json(scheduleSchema, 'The changed schedule.'), '400': errorResponse(BAD_SCHEDULE), '404': NOT_FOUND },
  }),
  deleteSchedule: operation({
    method: 'delete',
    path: '/api/v1/schedules/{schedule_id}',
    id: 'deleteSchedule',
    summary: 'Delete a schedule',
    description: 'It fires no more; tasks it started are left as they are.',
    tags: ['schedules'],
    responses: { '200': json(deletedScheduleSchema, 'Deleted.'), '404': NOT_FOUND },
  }),
  listScheduleRuns: operation({
    method: 'get',
    path: '/api/v1/schedules/{schedule_id}/runs',
    id: 'listScheduleRuns',
    summary: 'The tasks a schedule started, newest first',
    tags: ['schedules'],
    query: { schema: listScheduleRunsQuerySchema, help: { limit: 'At most this many runs (the newest).' } },
    responses: {
      '200': json(scheduleRunListSchema, "The runs, each with its task's current status."),
      '400': errorResponse('VALIDATION_ERROR.'),
      '404': NOT_FOUND,
    },
  }),
};

export function registerScheduleRoutes(app: FastifyInstance, schedules: ScheduleService): void {
  app.post(urlOf(SCHEDULE_OPERATIONS.createSchedule), async (request, reply) => {
    const body = validate(createScheduleSchema, request.body, 'body');
    const { schedule, created } = await schedules.create(request.tenant, body);
    return reply.code(created ? 201 : 200).send(scheduleView(schedule));
  });

  app.get(urlOf(SCHEDULE_OPERATIONS.listSchedules), async (request) => ({ schedules: (await schedules.list(request.tenant)).map(scheduleView) }));

  app.get<{ Params: ScheduleParams }>(urlOf(SCHEDULE_OPERATIONS.getSchedule), async (request) =>
    scheduleView(await schedules.get(request.tenant, request.params.schedule_id)),
  );

  app.patch<{ Params: ScheduleParams }>(urlOf(SCHEDULE_OPERATIONS.updateSchedule), async (request) => {
    const changes = validate(updateScheduleSchema, request.body, 'body');
    return scheduleView(await schedules.update(request.tenant, request.params.schedule_id, changes));
  });

  app.delete<{ Params: ScheduleParams }>(urlOf(SCHEDULE_OPERATIONS.deleteSchedule), async (request) => {
    await schedules.delete(request.tenant, request.params.schedule_id);
    return { schedule_id: request.params.schedule_id, deleted: true };
  });

  app.get<{ Params: ScheduleParams }>(urlOf(SCHEDULE_OPERATIONS.listScheduleRuns), async (request) => {
    const { limit } = validate(listScheduleRunsQuerySchema, request.query, 'query');
    return { runs: await schedules.runs(request.tenant, request.params.schedule_id, limit) };
  });
}
