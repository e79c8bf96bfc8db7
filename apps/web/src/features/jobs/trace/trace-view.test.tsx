import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TraceDocument } from './trace-document';
import { paletteColour, ROW_HEIGHT, TraceView } from './trace-view';

const E = '\u001b';
const section = (name: string, header: string, opts = '') =>
  `section_start:1700000000:${name}${opts}\r${E}[0K${header}`;
const end = (name: string) => `section_end:1700000065:${name}\r${E}[0K`;

function docOf(text: string) {
  const doc = new TraceDocument();
  doc.append(text);
  return doc;
}

describe('TraceView', () => {
  it('draws coloured text with line numbers', () => {
    render(
      <TraceView doc={docOf(`plain\n${E}[1;31mError:${E}[0m disk full\n`)} version={1} label="Job log" />,
    );
    const log = screen.getByRole('list', { name: 'Job log' });
    const rows = within(log).getAllByRole('listitem');
    expect(rows.map((r) => r.textContent)).toEqual(['1plain', '2Error: disk full']);
    const error = within(rows[1]!).getByText('Error:');
    expect(error.className).toBe('ansi-fg-1 ansi-bold');
  });

  it('collapses and expands sections by their button, honouring collapsed=true, and shows their duration', () => {
    const doc = docOf(
      [
        section('prepare', 'Preparing'),
        'pulling image',
        end('prepare'),
        section('script', 'Script', '[collapsed=true]'),
        '$ make',
        end('script'),
        'Job succeeded',
        '',
      ].join('\n'),
    );
    render(<TraceView doc={doc} version={1} label="Job log" />);
    const texts = () =>
      screen.getAllByRole('listitem').map((r) => r.querySelector('.trace-text')!.textContent);
    expect(texts()).toEqual(['Preparing', 'pulling image', 'Script', 'Job succeeded']);
    expect(screen.getAllByText('1m 05s')).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Collapse section prepare' }));
    expect(texts()).toEqual(['Preparing', 'Script', 'Job succeeded']);
    fireEvent.click(screen.getByRole('button', { name: 'Expand section script' }));
    expect(texts()).toEqual(['Preparing', 'Script', '$ make', 'Job succeeded']);
    expect(
      screen.getByRole('button', { name: 'Collapse section script' }).getAttribute('aria-expanded'),
    ).toBe('true');
  });

  it('puts only the rows in view in the page, however long the log', () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i + 1}`).join('\n');
    render(<TraceView doc={docOf(`${lines}\n`)} version={1} label="Job log" initialHeight={400} />);
    const rows = screen.getAllByRole('listitem');
    expect(rows.length).toBeLessThan(100);
    // Following the end: the last line is drawn.
    expect(rows.at(-1)!.textContent).toBe('200000line 200000');
    expect(screen.getByText(/200,000 lines/).textContent).toContain('200,000 lines');
  });

  it('follows new lines at the end, and stops following when the reader scrolls up', () => {
    const doc = docOf('first\n');
    const { rerender } = render(
      <TraceView doc={doc} version={1} label="Job log" initialHeight={ROW_HEIGHT * 5} />,
    );
    const scroller = screen.getByRole('list', { name: 'Job log' });
    act(() => {
      doc.append(Array.from({ length: 50 }, (_, i) => `more ${i}`).join('\n') + '\n');
    });
    rerender(<TraceView doc={doc} version={2} label="Job log" initialHeight={ROW_HEIGHT * 5} />);
    expect(scroller.scrollTop).toBe(51 * ROW_HEIGHT - ROW_HEIGHT * 5);
    expect(screen.getByRole('button', { name: 'Following the end' }).getAttribute('aria-pressed')).toBe(
      'true',
    );

    scroller.scrollTop = 0;
    fireEvent.scroll(scroller);
    expect(screen.getByRole('button', { name: 'Follow the end' }).getAttribute('aria-pressed')).toBe('false');
    act(() => doc.append('newest\n'));
    rerender(<TraceView doc={doc} version={3} label="Job log" initialHeight={ROW_HEIGHT * 5} />);
    expect(scroller.scrollTop).toBe(0);
  });
});

describe('paletteColour', () => {
  it('maps the colour cube and the greys', () => {
    expect(paletteColour(16)).toBe('rgb(0, 0, 0)');
    expect(paletteColour(196)).toBe('rgb(255, 0, 0)');
    expect(paletteColour(232)).toBe('rgb(8, 8, 8)');
    expect(paletteColour(255)).toBe('rgb(238, 238, 238)');
  });
});
