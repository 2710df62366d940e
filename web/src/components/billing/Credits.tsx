import type { ReactNode } from 'react';
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

/** A labelled amount in a balance grid (test ids TESTID-card and TESTID); notes under it are its children. */
export function CreditsStat({ label, uc, testId, children }: { label: string; uc: number; testId: string; children?: ReactNode }) {
  return (
    <div className="stat" data-testid={`${testId}-card`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        <Credits uc={uc} testId={testId} />
      </span>
      {children}
    </div>
  );
}
