import { describe, expect, it } from 'vitest';
import { signInPath } from './router';

describe('signInPath', () => {
  it('comes back to the page the visitor was on', () => {
    expect(signInPath('/chat?app=tr-1')).toBe('/login?next=%2Fchat%3Fapp%3Dtr-1');
    expect(signInPath('/apps/tr-1', '/register')).toBe('/register?next=%2Fapps%2Ftr-1');
  });
  it('never leads off the site, and leaves home out', () => {
    expect(signInPath('https://evil.example/')).toBe('/login');
    expect(signInPath('//evil.example/x')).toBe('/login');
    expect(signInPath('/')).toBe('/login');
    expect(signInPath('', '/register')).toBe('/register');
  });
});
