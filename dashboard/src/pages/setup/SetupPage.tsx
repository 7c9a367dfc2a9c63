import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { getHealth, getMe, login, setup } from '../../api/auth';
import { ApiError, errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Skeleton } from '../../components/ui/Feedback';
import { Input } from '../../components/ui/Field';
import { IconAlert } from '../../components/ui/icons';
import { useToast } from '../../components/ui/Toast';
import { cn } from '../../lib/cn';
import { AuthLayout } from '../AuthLayout';
import { MIN_PASSWORD, passwordStrength } from './password-strength';

type Field = 'email' | 'password' | 'tenant_name' | 'setup_token';
const FIELDS: readonly string[] = ['email', 'password', 'tenant_name', 'setup_token'];

export default function SetupPage() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const toast = useToast();
  // The console prints `<base url>/dashboard/setup?token=…` at start until it is claimed.
  const [params] = useSearchParams();
  const linkToken = params.get('token')?.trim() ?? '';
  const [token, setToken] = useState(linkToken);
  const [checking, setChecking] = useState(true);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [org, setOrg] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    let cancelled = false;
    getHealth()
      .then((h) => {
        if (cancelled) return;
        if (h.bootstrap_complete) navigate('/login', { replace: true });
        else setChecking(false);
      })
      .catch(() => !cancelled && setChecking(false));
    return () => {
      cancelled = true;
    };
  }, [navigate]);

  const strength = passwordStrength(password);

  const validate = (): boolean => {
    const errs: Partial<Record<Field, string>> = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errs.email = 'Enter a valid email address.';
    if (password.length < MIN_PASSWORD) errs.password = `Use at least ${MIN_PASSWORD} characters.`;
    if (org.length > 255) errs.tenant_name = 'At most 255 characters.';
    setFieldErrors(errs);
    return Object.keys(errs).length === 0;
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (!validate()) return;
    setSubmitting(true);
    const creds = { email: email.trim(), password };
    try {
      // An empty token is left out and the server's 403 (which names the token) says what is
      // missing, so this page also works with a console that asks for no token.
      await setup({ ...creds, ...(token.trim() ? { setup_token: token.trim() } : {}), ...(org.trim() ? { tenant_name: org.trim() } : {}) });
    } catch (err) {
      setSubmitting(false);
      if (err instanceof ApiError && err.status === 409) {
        toast.info('This console is already set up. Sign in instead.');
        navigate('/login', { replace: true });
        return;
      }
      if (err instanceof ApiError && err.status === 422 && err.problems.length > 0) {
        const errs: Partial<Record<Field, string>> = {};
        const other: string[] = [];
        for (const p of err.problems) {
          const f = String(p.loc[p.loc.length - 1]);
          if (FIELDS.includes(f)) errs[f as Field] ??= p.msg;
          else other.push(p.msg);
        }
        setFieldErrors(errs);
        if (other.length) setFormError(other.join(' '));
        return;
      }
      // A missing or wrong token is a 403 that names it: show it at the field.
      if (err instanceof ApiError && err.status === 403 && /token/i.test(err.message)) {
        setFieldErrors({ setup_token: err.message });
        return;
      }
      setFormError(errorMessage(err));
      return;
    }
    // The admin exists; sign in with the same credentials so the user lands on Home.
    try {
      await login(creds);
      const me = await getMe();
      client.setData('auth:me', () => me);
      toast.success('Admin account created. Welcome!');
      navigate('/', { replace: true });
    } catch {
      toast.info('Admin account created. Sign in to continue.');
      navigate('/login', { replace: true });
    }
  };

  if (checking) {
    return (
      <AuthLayout title="Set up Edictum Console">
        <div role="status" aria-busy="true" aria-label="Loading" className="flex flex-col gap-4">
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Welcome — set up your console"
      subtitle="Create the first admin account. It can create API keys for agents, deploy contracts and decide approvals."
      footer="This page only works until the first account exists."
    >
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="flex flex-col gap-4">
        {formError && (
          <div role="alert" className="flex items-start gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-300">
            <IconAlert size={16} className="mt-0.5 shrink-0" />
            <span>{formError}</span>
          </div>
        )}
        {linkToken ? (
          <p className="text-xs text-slate-500 dark:text-slate-400">Setup token taken from the link the console printed.</p>
        ) : (
          <Input
            label="Setup token"
            name="setup_token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            error={fieldErrors.setup_token}
            className="font-mono"
            hint="The console prints it at start, in the setup link of its log (…/dashboard/setup?token=…), and writes that link to the file setup-url in its data directory."
          />
        )}
        {linkToken && fieldErrors.setup_token && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {fieldErrors.setup_token} Open the newest setup link from the console’s log.
          </p>
        )}
        <Input
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldErrors.email}
        />
        <div className="flex flex-col gap-2">
          <Input
            label="Password"
            type={showPassword ? 'text' : 'password'}
            name="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            maxLength={1024}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
            hint={strength.label}
          />
          <div className="flex items-center gap-3">
            <div className="flex flex-1 gap-1" aria-hidden="true">
              {[1, 2, 3, 4].map((i) => (
                <span
                  key={i}
                  className={cn(
                    'h-1 flex-1 rounded-full',
                    strength.score >= i
                      ? strength.score <= 1
                        ? 'bg-red-500'
                        : strength.score === 2
                          ? 'bg-amber-500'
                          : 'bg-emerald-500'
                      : 'bg-slate-200 dark:bg-slate-800',
                  )}
                />
              ))}
            </div>
            <label className="flex items-center gap-1.5 text-xs text-slate-600 dark:text-slate-400">
              <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} className="accent-amber-500" />
              Show characters
            </label>
          </div>
        </div>
        <Input
          label="Organisation name (optional)"
          name="tenant_name"
          autoComplete="organization"
          value={org}
          onChange={(e) => setOrg(e.target.value)}
          error={fieldErrors.tenant_name}
          hint="Shown in the console; defaults to “Default”."
        />
        <Button type="submit" variant="primary" loading={submitting}>
          Create admin account
        </Button>
      </form>
    </AuthLayout>
  );
}
