import { describe, expect, it } from 'vitest';
import { applySgr, styledSpans, TraceDocument, unpackStyle, visibleLines } from './trace-document.js';

const E = '\u001b';
const start = (name: string, header: string, opts = '') =>
  `section_start:1700000000:${name}${opts}\r${E}[0K${header}`;
const end = (name: string) => `section_end:1700000010:${name}\r${E}[0K`;

describe('applySgr', () => {
  it('reads colours, bright colours, the 256-colour palette, flags and resets', () => {
    expect(unpackStyle(applySgr(0, '1;31'))).toEqual({
      fg: 1,
      bg: null,
      bold: true,
      italic: false,
      underline: false,
    });
    expect(unpackStyle(applySgr(0, '92;44')).fg).toBe(10);
    expect(unpackStyle(applySgr(0, '92;44')).bg).toBe(4);
    expect(unpackStyle(applySgr(0, '38;5;208')).fg).toBe(208);
    expect(unpackStyle(applySgr(applySgr(0, '1;31'), '0'))).toEqual(unpackStyle(0));
    expect(unpackStyle(applySgr(applySgr(0, '1;31'), '')).bold).toBe(false);
    // 24-bit colours fall back to the default colour, and the codes after them still count.
    expect(unpackStyle(applySgr(0, '38;2;10;20;30;1'))).toMatchObject({ fg: null, bold: true });
  });
});

describe('TraceDocument', () => {
  it('keeps colours across lines and draws each line as styled spans', () => {
    const doc = new TraceDocument();
    doc.append(`${E}[32mgreen\nstill green${E}[0m plain\n`);
    expect(doc.lines).toEqual([`${E}[32mgreen`, `still green${E}[0m plain`]);
    const spans = styledSpans(doc.lines[1]!, doc.startStyles[1]!);
    expect(spans.map((s) => [s.text, unpackStyle(s.style).fg])).toEqual([
      ['still green', 2],
      [' plain', null],
    ]);
  });

  it('lets a carriage return overwrite the line, and treats \\r\\n as a plain end of line', () => {
    const doc = new TraceDocument();
    doc.append('Downloading 10%\rDownloading 50%\rDownloading 100%\nwindows line\r\n');
    expect(doc.lines).toEqual(['Downloading 100%', 'windows line']);
  });

  it('finds nested sections, their headers, options and ends, and drops erase codes', () => {
    const doc = new TraceDocument();
    doc.append(
      [
        `${start('prepare', `${E}[36;1mPreparing${E}[0;m`)}`,
        'Using docker',
        `${end('prepare')}${start('script', 'Executing "step_script"', '[collapsed=true]')}`,
        `${start('inner', 'Inner')}`,
        '$ make',
        end('inner'),
        end('script'),
        'Job succeeded',
        '',
      ].join('\n'),
    );
    // Lines holding only section markers are not lines of the log.
    expect(doc.lines).toEqual([
      `${E}[36;1mPreparing${E}[0;m`,
      'Using docker',
      'Executing "step_script"',
      'Inner',
      '$ make',
      'Job succeeded',
    ]);
    expect(doc.sections.map((s) => [s.name, s.headerLine, s.endLine, s.depth, s.collapsedByDefault])).toEqual(
      [
        ['prepare', 0, 2, 0, false],
        ['script', 2, 5, 0, true],
        ['inner', 3, 5, 1, false],
      ],
    );
  });

  it('hides a collapsed section but its header', () => {
    const doc = new TraceDocument();
    doc.append([start('a', 'A'), 'a1', 'a2', end('a'), 'after', ''].join('\n'));
    expect([...visibleLines(doc, new Set())]).toEqual([0, 1, 2, 3]);
    expect([...visibleLines(doc, new Set([0]))]).toEqual([0, 3]);
  });

  it('keeps the line that closes a collapsed section when it opens the next one', () => {
    const doc = new TraceDocument();
    doc.append([start('a', 'A'), 'a1', `${end('a')}${start('b', 'B')}`, 'b1', ''].join('\n'));
    expect([...visibleLines(doc, new Set([0]))]).toEqual([0, 2, 3]);
    // A section still open hides everything after its header.
    expect([...visibleLines(doc, new Set([1]))]).toEqual([0, 1, 2]);
  });

  it('gives the same lines and sections however the log is cut into chunks', () => {
    const log = [
      `${E}[1mstart${E}[0m`,
      start('s', 'Section'),
      'progress 1\rprogress 2',
      end('s'),
      'done',
      'tail without newline',
    ].join('\n');
    const whole = new TraceDocument();
    whole.append(log);
    for (const size of [1, 2, 3, 7, 13]) {
      const doc = new TraceDocument();
      for (let i = 0; i < log.length; i += size) doc.append(log.slice(i, i + size));
      expect(doc.lines).toEqual(whole.lines);
      expect(doc.startStyles).toEqual(whole.startStyles);
      expect(doc.sections).toEqual(whole.sections);
      expect(doc.size).toBe(new TextEncoder().encode(log).length);
    }
    expect(whole.lines.at(-1)).toBe('tail without newline');
  });
});
