import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StatusBadge } from './status-badge';

describe('StatusBadge', () => {
  it('shows the status as text, with a decorative icon', () => {
    const { container } = render(<StatusBadge tone="danger">Offline</StatusBadge>);
    expect(screen.getByText('Offline')).toBeTruthy();
    const icon = container.querySelector('svg');
    expect(icon?.getAttribute('aria-hidden')).toBe('true');
  });

  it('gives each tone its own shape, so colour is never the only signal', () => {
    const shapes = (['ok', 'warning', 'danger', 'neutral', 'info'] as const).map((tone) => {
      const { container, unmount } = render(<StatusBadge tone={tone}>{tone}</StatusBadge>);
      const markup = container.querySelector('svg')?.innerHTML ?? '';
      unmount();
      return markup;
    });
    expect(new Set(shapes).size).toBe(shapes.length);
  });
});
