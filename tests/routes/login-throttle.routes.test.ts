import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../helpers/test-app.js';

/** Per-account login throttling: failures from many addresses lock the account, quietly, for a while. */
describe('login throttling per account', () => {
  let t: TestApp;
  let email: string;
  let address = 0;
  const nextIp = () => `10.9.${Math.floor(++address / 250)}.${(address % 250) + 1}`;
  const login = (e: string, password: string) =>
    t.request({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: nextIp(), payload: { email: e, password } });

  beforeAll(async () => {
    t = await createTestApp({ env: { EDICTUM_RATE_LIMIT_MAX_ATTEMPTS: '3', EDICTUM_RATE_LIMIT_WINDOW_SECONDS: '10' } });
    email = (await t.admin()).email;
  });
  afterAll(async () => t?.close());

  it('locks an account tried from many addresses, answering exactly as a wrong password does', async () => {
    const wrong: { status: number; body: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await login(email, `wrong-password-${i}`);
      wrong.push({ status: res.statusCode, body: res.body });
    }
    expect(wrong.map((w) => w.status)).toEqual([401, 401, 401]);
    const locked = await login(email.toUpperCase(), ADMIN_PASSWORD);
    expect({ status: locked.statusCode, body: locked.body }).toEqual(wrong[0]);
    expect(locked.cookies.find((c) => c.name === 'edictum_session')).toBeUndefined();
  });

  it('leaves other accounts alone', async () => {
    const m = await t.member();
    expect(m.cookie).toMatch(/^edictum_session=/);
  });

  it('unlocks by itself once the failures leave the window', { timeout: 40_000 }, async () => {
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await login(email, ADMIN_PASSWORD)).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
