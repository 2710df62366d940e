import { formatCredits, formatSignedCredits } from '../../lib/money';

/**
 * An amount of µc shown in credits. `data-uc` keeps the exact integer for tests and for anyone
 * inspecting the page; `signed` adds a + to positive movements.
 */
export function Credits({ uc, signed, testId }: { uc: number; signed?: boolean; testId?: string }) {
  const tone = signed ? (uc > 0 ? ' up' : uc < 0 ? ' down' : '') : '';
  return (
    <span className={`credits${tone}`} data-uc={uc} data-testid={testId}>
      {signed ? formatSignedCredits(uc) : formatCredits(uc)}
    </span>
  );
}
