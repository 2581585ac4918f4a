// Machine code: disassemble (alias disass), as Delve's terminal's.
import * as path from 'node:path';
import type { MimeBundle } from '../../kernel/interpreter';
import { splitWords } from '../cell';
import { UserError, usage } from '../errors';
import type { AsmInstruction } from '../rpc/delve-client';
import { hex } from '../render/html';
import { tableBundle } from '../render/table';
import { askDelve } from '../state';
import type { Command, CommandContext } from './command';
import { wholeNumber } from './numbers';

/** api.AssemblyFlavour */
const FLAVOURS: Record<string, number> = { gnu: 0, intel: 1, go: 2 };

/** The widest -a range disassembled at once (Delve would go on through megabytes). */
const MAX_RANGE = 64 * 1024;
/** Lines of text/plain before the rest is left to the HTML and JSON. */
const TEXT_LINES = 2000;

const USAGE = 'disassemble [-a START END] [-l LOCSPEC] [-f go|gnu|intel]';

/** An address: 0x-hex or decimal, a whole number JavaScript holds exactly. */
function address(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  if (/^0x[0-9a-f]+$/i.test(word)) {
    const n = Number(word);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return wholeNumber(word);
}

interface Parsed {
  mode: 'here' | 'range' | 'location';
  start?: number;
  end?: number;
  locspec?: string;
  flavour: string;
}

function parse(args: string): Parsed {
  const words = splitWords(args);
  const out: Parsed = { mode: 'here', flavour: 'go' };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-f' || w === '-flavour' || w === '--flavour') {
      const f = words[++i]?.toLowerCase();
      if (!f || !(f in FLAVOURS)) throw usage('disassemble', USAGE, f ? `\`${words[i]}\` is not a flavour: go, gnu or intel` : '-f takes go, gnu or intel');
      out.flavour = f;
    } else if (w === '-a') {
      if (out.mode !== 'here') throw usage('disassemble', USAGE, 'one of -a and -l');
      const start = address(words[i + 1]);
      const end = address(words[i + 2]);
      if (start === undefined || end === undefined) {
        const bad = start === undefined ? words[i + 1] : words[i + 2];
        throw usage('disassemble', USAGE, bad === undefined ? '-a takes a start and an end address, e.g. `disassemble -a 0x4ae9b0 0x4aea00`' : `\`${bad}\` is not an address; e.g. \`disassemble -a 0x4ae9b0 0x4aea00\``);
      }
      if (end <= start) throw usage('disassemble', USAGE, `the end (${hex(end)}) must be above the start (${hex(start)})`);
      if (end - start > MAX_RANGE) throw usage('disassemble', USAGE, `${end - start} bytes is more than ${MAX_RANGE / 1024} KiB at once; narrow the range, or \`disassemble -l FUNCTION\``);
      Object.assign(out, { mode: 'range', start, end });
      i += 2;
    } else if (w === '-l') {
      if (out.mode !== 'here') throw usage('disassemble', USAGE, 'one of -a and -l');
      const loc = words[++i];
      if (!loc) throw usage('disassemble', USAGE, '-l takes a location: `disassemble -l main.process` or `-l main.go:42`');
      Object.assign(out, { mode: 'location', locspec: loc });
    } else {
      throw usage('disassemble', USAGE, `\`${w}\` is not an option; \`disassemble\` shows the current function, \`-l main.process\` another, \`-a START END\` a range`);
    }
  }
  return out;
}

function bytesHex(b: string | null | undefined): string {
  return b ? Buffer.from(b, 'base64').toString('hex') : '';
}

async function disassemble(cx: CommandContext, p: Parsed): Promise<{ code: AsmInstruction[]; what: string }> {
  const s = cx.state.need('disassemble');
  const scope = cx.state.scope;
  const Flavour = FLAVOURS[p.flavour];
  if (p.mode === 'range') {
    return { code: await askDelve(`disassemble -a ${hex(p.start!)} ${hex(p.end!)}`, () => s.query.disassemble({ Scope: scope, StartPC: p.start!, EndPC: p.end!, Flavour })), what: `${hex(p.start!)}-${hex(p.end!)}` };
  }
  const spec = p.mode === 'location' ? p.locspec! : '+0';
  const what = p.mode === 'location' ? `-l ${spec}` : 'the current function';
  const locs = await askDelve(`disassemble ${what}`, () => s.query.findLocation({ Scope: scope, Loc: spec, IncludeNonExecutableLines: true }));
  if (locs.length === 0) throw new UserError('DelveError', `disassemble ${what}: location not found`, 'see `funcs RE` and `sources RE` for names');
  if (locs.length > 1) throw new UserError('DelveError', `disassemble ${what}: the location names ${locs.length} places`, `name one: ${locs.slice(0, 4).map((l) => `\`${l.function?.name ?? hex(l.pc)}\``).join(', ')}`);
  // StartPC with EndPC 0: the whole function holding that pc.
  return { code: await askDelve(`disassemble ${what}`, () => s.query.disassemble({ Scope: scope, StartPC: locs[0].pc, EndPC: 0, Flavour })), what };
}

export const codeCommands: Command[] = [
  {
    name: 'disassemble', aliases: ['disass'], group: 'looking', completes: 'locations',
    usage: USAGE,
    summary: 'Machine code of the current function (the current instruction marked =>), another one, or an address range.',
    details: 'As Delve\'s terminal: no argument disassembles the function of the selected frame (`frame N disassemble`, `goroutine N disassemble` for others); ' +
      '-l LOCSPEC the function at that location; -a START END the addresses from START up to END (at most 64 KiB). -f picks the syntax: go (the default, as `go tool objdump`), gnu (AT&T) or intel. ' +
      '* after a pc marks a breakpoint there.',
    flags: [
      { name: '-a', value: 'START END', summary: 'disassemble the address range [START, END)' },
      { name: '-l', value: 'LOCSPEC', completes: 'locations', summary: 'disassemble the function at LOCSPEC (main.process, main.go:42)' },
      { name: '-f', value: 'go|gnu|intel', summary: 'assembly syntax (default go)' },
    ],
    async run(cx) {
      const p = parse(cx.args);
      const { code, what } = await disassemble(cx, p);
      if (code.length === 0) throw new UserError('DelveError', `disassemble ${what}: Delve returned no instructions`, 'try `disassemble -l FUNCTION`, or an address range inside the text segment');
      const fn = code[0].Loc?.function?.name;
      const file = code[0].Loc?.file ?? '';
      const title = fn ? `TEXT ${fn}(SB) ${file}` : `${code.length} instructions at ${what}`;
      const rows = code.map((i) => ({
        at: i.AtPC ? '=>' : '',
        location: i.Loc ? `${path.basename(i.Loc.file)}:${i.Loc.line}` : '',
        pc: hex(i.Loc?.pc ?? 0) + (i.Breakpoint ? '*' : ''),
        bytes: bytesHex(i.Bytes),
        instruction: i.Text,
      }));
      const bundle: MimeBundle = tableBundle({
        columns: [{ name: 'at', type: 'string' }, { name: 'location', type: 'string' }, { name: 'pc', type: 'string' }, { name: 'bytes', type: 'string' }, { name: 'instruction', type: 'string' }],
        rows,
        title,
        marked: (r) => r.at === '=>',
      });
      // Delve's layout, every line (a table's text stops at 200 rows).
      const widths = ['location', 'pc', 'bytes'].map((c) => Math.max(...rows.map((r) => (r as Record<string, string>)[c].length)));
      const lines = rows.slice(0, TEXT_LINES).map((r) => `${r.at.padEnd(2)}  ${r.location.padEnd(widths[0])}  ${r.pc.padEnd(widths[1])}  ${r.bytes.padEnd(widths[2])}  ${r.instruction}`.trimEnd());
      if (rows.length > TEXT_LINES) lines.push(`… ${rows.length - TEXT_LINES} more instructions (all are in the HTML and JSON outputs)`);
      bundle['text/plain'] = [title, ...lines].join('\n');
      const current = code.find((i) => i.AtPC);
      bundle['application/json'] = {
        kind: 'disassemble',
        function: fn ?? null,
        file,
        flavour: p.flavour,
        pc: current?.Loc?.pc ?? null,
        instructions: code.map((i) => ({
          pc: i.Loc?.pc ?? 0, file: i.Loc?.file ?? '', line: i.Loc?.line ?? 0, bytes: bytesHex(i.Bytes), text: i.Text,
          atPC: !!i.AtPC, breakpoint: !!i.Breakpoint, ...(i.DestLoc?.function ? { destination: i.DestLoc.function.name } : {}),
        })),
      };
      return bundle;
    },
  },
];
