import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Badge } from './badges';
import { ErrorMessage } from './error-message';
import { Sparkline, sparklinePoints } from './sparkline';

describe('Sparkline', () => {
  it('scales the values into the box, the largest at the top', () => {
    expect(sparklinePoints([0, 10], 100, 20)).toBe('2.0,18.0 98.0,2.0');
    expect(sparklinePoints([5, 5, 5], 100, 20)).toBe('2.0,10.0 50.0,10.0 98.0,10.0');
    expect(sparklinePoints([])).toBe('');
  });

  it('renders a labelled line, or says there is no data', () => {
    const { container } = render(<Sparkline values={[1, 2, 3]} label="Sizes of db" />);
    expect(screen.getByRole('img', { name: 'Sizes of db' })).toBeTruthy();
    expect(container.querySelector('polyline')?.getAttribute('points')).toBe(sparklinePoints([1, 2, 3]));
    render(<Sparkline values={[]} label="none" />);
    expect(screen.getByText('no data')).toBeTruthy();
  });
});

describe('Badge and ErrorMessage', () => {
  it('colours a state by its tone', () => {
    render(<Badge value="failed" />);
    expect(screen.getByText('failed').className).toBe('badge tone-bad');
  });

  it("shows the API's error text as an alert", () => {
    render(<ErrorMessage error={new Error('Database not found')} />);
    expect(screen.getByRole('alert').textContent).toBe('Database not found');
  });
});
