import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { getHealth, getMe, login } from '../../api/auth';
import { ApiError, errorMessage } from '../../api/client';
import { useQueryClient } from '../../api/query';
import { Button } from '../../components/ui/Button';
import { Skeleton } from '../../components/ui/Feedback';
import { Input } from '../../components/ui/Field';
import { IconAlert } from '../../components/ui/icons';
import { safeNext } from '../../lib/next-path';
import { AuthLayout } from '../AuthLayout';
import { useCountdown } from './useCountdown';

export default function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const client = useQueryClient();
  const [checking, setChecking] = useState(true);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [lockedFor, startLock] = useCountdown();

  // Not set up yet → setup; already signed in → where they were going.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const h = await getHealth();
        if (cancelled) return;
        if (!h.bootstrap_complete) return navigate('/setup', { replace: true });
      } catch {
        /* server unreachable: show the form; submitting will say so */
      }
      try {
        await getMe();
        if (!cancelled) return navigate(next, { replace: true });
      } catch {
        /* 401: stay here */
      }
      if (!cancelled) setChecking(false);
    })();
    return () => {
      cancelled = true;
    };
  }, [navigate, next]);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (lockedFor > 0) return;
    setError(null);
    setSubmitting(true);
    try {
      await login({ email: email.trim(), password });
      const me = await getMe();
      client.setData('auth:me', () => me);
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Invalid email or password.');
      else if (err instanceof ApiError && err.status === 429) {
        startLock(err.retryAfterSeconds ?? 30);
        setError(null);
      } else setError(errorMessage(err));
    } finally {
      setSubmitting(false);
    }
  };

  // Neutral while checking: on a console that is not set up yet this page only redirects to
  // setup, and a "Sign in" heading flashing first would send a new user the wrong way.
  if (checking) {
    return (
      <AuthLayout title="Checking your console…">
        <div role="status" aria-busy="true" aria-label="Loading" className="flex flex-col gap-4">
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Sign in" subtitle="Use the admin account created at setup.">
      <form onSubmit={(e) => void onSubmit(e)} className="flex flex-col gap-4" noValidate>
        {(error || lockedFor > 0) && (
          <div role="alert" className="flex items-start gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-300">
            <IconAlert size={16} className="mt-0.5 shrink-0" />
            <span>{lockedFor > 0 ? `Too many attempts — try again in ${lockedFor} s` : error}</span>
          </div>
        )}
        <Input label="Email" type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <Input
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Button type="submit" variant="primary" loading={submitting} disabled={lockedFor > 0 || !email || !password}>
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}
