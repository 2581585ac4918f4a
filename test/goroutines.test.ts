// Goroutine rows from Delve's records, without Delve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goroutineRow, isGoroutine } from '../src/goroutines';
import type { Goroutine } from '../src/rpc/api';
import type { RuntimeNames } from '../src/session/runtime-names';

// Go 1.22's numbering: semacquire is 18 here, other releases move it.
const names: RuntimeNames = {
  status: new Map([[1, 'runnable'], [2, 'running'], [4, 'waiting'], [6, 'dead']]),
  waitReasons: Object.assign(new Array(20).fill('other'), { 14: 'chan receive', 18: 'semacquire' }),
  scanBit: 0x1000,
};

const loc = (fn: string, file: string, line: number) => ({ pc: 1, file, line, function: { name: fn, value: 0, type: 0, goType: 0, optimized: false } });

function g(over: Partial<Goroutine>): Goroutine {
  return {
    id: 7, currentLoc: loc('runtime.gopark', '/go/src/runtime/proc.go', 403), userCurrentLoc: loc('main.worker', '/app/main.go', 51),
    goStatementLoc: loc('main.main', '/app/main.go', 74), startLoc: loc('main.worker', '/app/main.go', 49),
    threadID: 0, status: 4, waitSince: 0, waitReason: 14, unreadable: '', ...over,
  };
}

test('a waiting goroutine reads in the CONTRACT fields with Go\'s words', () => {
  assert.equal(goroutineRow(g({}), names), {
    id: 7, status: 'waiting', waitReason: 'chan receive', function: 'main.worker', file: '/app/main.go', line: 51,
    startFunction: 'main.worker', goStatement: '/app/main.go:74', threadId: 0,
  });
});

test('the wait reason is shown only while waiting, as Go\'s tracebacks do', () => {
  assert.is(goroutineRow(g({ status: 1, waitReason: 18 }), names).waitReason, '');
  assert.is(goroutineRow(g({ status: 4, waitReason: 18 }), names).waitReason, 'semacquire');
});

test('the GC scan bit does not hide the status; unknown numbers are named as numbers', () => {
  assert.is(goroutineRow(g({ status: 0x1004 }), names).status, 'waiting');
  assert.is(goroutineRow(g({ status: 42 }), names).status, 'status 42');
  assert.is(goroutineRow(g({ waitReason: 99 }), names).waitReason, 'wait reason 99');
});

// Go 1.26's numbering of the two new statuses.
const names126: RuntimeNames = { ...names, status: new Map([...names.status, [10, 'leaked'], [11, 'deadextra']]) };

test('Go 1.26: a leaked goroutine keeps its wait reason, as Go prints [chan receive (leaked)]', () => {
  const row = goroutineRow(g({ status: 10, waitReason: 14 }), names126);
  assert.equal([row.status, row.waitReason], ['leaked', 'chan receive']);
});

test('Go 1.26: the g of a cgo extra M (deadextra) is not a goroutine; dead ones neither', () => {
  assert.is(isGoroutine(g({ status: 11 }), names126), false);
  assert.is(isGoroutine(g({ status: 0x100b }), names126), false);
  assert.is(isGoroutine(g({ status: 6 }), names126), false);
  assert.is(isGoroutine(g({ status: 10 }), names126), true);
  assert.is(isGoroutine(g({ status: 4 }), names), true);
});

test('the go statement\'s function, when known, stands for Delve\'s startLoc', () => {
  assert.is(goroutineRow(g({ startLoc: loc('time.Sleep', '/go/src/runtime/time.go', 300) }), names, 'main.sleeper').startFunction, 'main.sleeper');
  assert.is(goroutineRow(g({}), names, undefined).startFunction, 'main.worker');
});

test.run();
