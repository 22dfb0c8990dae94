import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event-types.js';
import { EventSeqConflictError, type Store } from '../../src/storage/store.js';
import { appendMany, at, makeEvent, type CurrentHarness } from './store-contract-fixtures.js';

/** Task events: the seq rule (1, 2, 3, ... per task), readEvents paging, copies. */
export function eventsContract(current: CurrentHarness): void {
  describe('events', () => {
    let store: Store;

    beforeEach(() => {
      store = current().store;
    });

    it('appends events in seq order and reads them back', async () => {
      const events: TaskEvent[] = [
        { task_id: 't', seq: 1, timestamp: at(1), type: 'message', data: { role: 'assistant', text: 'hi ✓ "quoted"' } },
        {
          task_id: 't',
          seq: 2,
          timestamp: at(2),
          type: 'tool_use',
          data: { tool_use_id: 'u1', name: 'Edit', input: { path: 'a.ts', n: [1, 2, { deep: null }] } },
        },
        { task_id: 't', seq: 3, timestamp: at(3), type: 'tool_result', data: { tool_use_id: 'u1', content: 'ok', is_error: false } },
        {
          task_id: 't',
          seq: 4,
          timestamp: at(4),
          type: 'progress',
          data: { turns: 1, input_tokens: 10, output_tokens: 5, cost_usd: 0.001, files_changed: ['a.ts'] },
        },
        { task_id: 't', seq: 5, timestamp: at(5), type: 'error', data: { code: 'X', message: 'y' } },
        {
          task_id: 't',
          seq: 6,
          timestamp: at(6),
          type: 'complete',
          data: {
            status: 'completed',
            result: 'done',
            usage: { input_tokens: 10, output_tokens: 5 },
            num_turns: 1,
            cost_usd: 0.001,
            duration_ms: 1234,
            error: null,
          },
        },
      ];
      for (const event of events) await store.appendEvent(event);
      expect(await store.readEvents('t', 0)).toEqual(events);
      expect(await store.lastEventSeq('t')).toBe(6);
    });

    it('the first event must have seq 1', async () => {
      await expect(store.appendEvent(makeEvent('t', 0))).rejects.toBeInstanceOf(EventSeqConflictError);
      await expect(store.appendEvent(makeEvent('t', 2))).rejects.toBeInstanceOf(EventSeqConflictError);
      expect(await store.lastEventSeq('t')).toBe(0);
      await store.appendEvent(makeEvent('t', 1));
      expect(await store.lastEventSeq('t')).toBe(1);
    });

    it('rejects a duplicate or a gap and stores neither', async () => {
      await appendMany(store, 't', 3);
      await expect(store.appendEvent(makeEvent('t', 3, 'duplicate'))).rejects.toBeInstanceOf(EventSeqConflictError);
      await expect(store.appendEvent(makeEvent('t', 1, 'duplicate'))).rejects.toBeInstanceOf(EventSeqConflictError);
      await expect(store.appendEvent(makeEvent('t', 5, 'gap'))).rejects.toBeInstanceOf(EventSeqConflictError);
      await expect(store.appendEvent(makeEvent('t', -1))).rejects.toBeInstanceOf(EventSeqConflictError);
      await expect(store.appendEvent(makeEvent('t', 3.5))).rejects.toBeInstanceOf(EventSeqConflictError);
      expect(await store.lastEventSeq('t')).toBe(3);
      expect((await store.readEvents('t', 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.readEvents('t', 0))[2]).toEqual(makeEvent('t', 3));
      await store.appendEvent(makeEvent('t', 4));
      expect(await store.lastEventSeq('t')).toBe(4);
    });

    it('the rejection is an EventSeqConflictError naming the expected seq', async () => {
      await appendMany(store, 't', 2);
      const error = await store.appendEvent(makeEvent('t', 7)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventSeqConflictError);
      expect((error as Error).message).toContain('must be 3');
    });

    it('concurrent appends of the same seq: exactly one is stored', async () => {
      await appendMany(store, 't', 1);
      const results = await Promise.allSettled([2, 2, 2].map((seq, i) => store.appendEvent(makeEvent('t', seq, `racer ${i}`))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EventSeqConflictError);
      expect(await store.lastEventSeq('t')).toBe(2);
      expect(await store.readEvents('t', 0)).toHaveLength(2);
    });

    it('keeps a separate sequence per task', async () => {
      await appendMany(store, 'a', 3);
      await appendMany(store, 'b', 1);
      expect(await store.lastEventSeq('a')).toBe(3);
      expect(await store.lastEventSeq('b')).toBe(1);
      expect((await store.readEvents('b', 0)).map((e) => [e.task_id, e.seq])).toEqual([['b', 1]]);
      await expect(store.appendEvent(makeEvent('b', 4))).rejects.toBeInstanceOf(EventSeqConflictError);
    });

    it('readEvents returns seq > afterSeq in order, at most limit of them', async () => {
      await appendMany(store, 't', 10);
      const seqs = async (after: number, limit?: number) => (await store.readEvents('t', after, limit)).map((e) => e.seq);
      expect(await seqs(0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await seqs(4)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(await seqs(4, 3)).toEqual([5, 6, 7]);
      expect(await seqs(0, 1)).toEqual([1]);
      expect(await seqs(8, 5)).toEqual([9, 10]);
      expect(await seqs(9)).toEqual([10]);
      expect(await seqs(10)).toEqual([]);
      expect(await seqs(50)).toEqual([]);
      expect(await seqs(0, 0)).toEqual([]);
      expect(await seqs(-3, 2)).toEqual([1, 2]);
    });

    it('unknown tasks have no events and lastEventSeq 0', async () => {
      expect(await store.readEvents('nope', 0)).toEqual([]);
      expect(await store.lastEventSeq('nope')).toBe(0);
    });

    it('returns copies and keeps none of the appended object', async () => {
      const event = makeEvent('t', 1, 'original');
      await store.appendEvent(event);
      (event.data as { text: string }).text = 'mutated input';
      const [read] = await store.readEvents('t', 0);
      (read!.data as { text: string }).text = 'mutated output';
      expect(await store.readEvents('t', 0)).toEqual([makeEvent('t', 1, 'original')]);
    });

    it('many sequential appends all land', async () => {
      await appendMany(store, 't', 500);
      expect(await store.lastEventSeq('t')).toBe(500);
      const tail = await store.readEvents('t', 490);
      expect(tail.map((e) => e.seq)).toEqual([491, 492, 493, 494, 495, 496, 497, 498, 499, 500]);
    });
  });
}
