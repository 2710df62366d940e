import type { ReactNode } from 'react';
import { LogoMark } from './Icons';

export function AuthCard({ title, subtitle, children, footer, testId }: {
  title: string;
  subtitle?: string;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
}) {
  return (
    <section className="auth-page" data-testid={testId}>
      <div className="card auth-card">
        <div className="auth-mark">
          <LogoMark />
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
        {children}
      </div>
      {footer && <p className="auth-footer">{footer}</p>}
    </section>
  );
}
