import { api, apiText } from './client';
import { useQuery } from './query';
import type { Bundle, BundleSummary, BundleWithDeployments, Deployment, SigningKey } from './types';

const enc = encodeURIComponent;

export const listBundles = () => api<BundleSummary[]>('/bundles');
export const listBundleVersions = (name: string) => api<BundleWithDeployments[]>(`/bundles/${enc(name)}`);
export const getBundleYaml = (name: string, version: number) => apiText(`/bundles/${enc(name)}/${version}/yaml`);
export const uploadBundle = (yaml_content: string) => api<Bundle>('/bundles', { method: 'POST', body: { yaml_content } });
export const deployBundle = (name: string, version: number, env: string) =>
  api<Deployment>(`/bundles/${enc(name)}/${version}/deploy`, { method: 'POST', body: { env } });
export const listDeployments = (q: { env?: string; bundle_name?: string; limit?: number } = {}) =>
  api<Deployment[]>('/deployments', { query: { limit: 200, ...q } });
export const getSigningKey = () => api<SigningKey>('/settings/signing-key');

export function useBundles() {
  return useQuery('bundles:list', listBundles);
}
export function useBundleVersions(name: string | null) {
  return useQuery(`bundles:versions:${name ?? ''}`, () => listBundleVersions(name ?? ''), { enabled: !!name });
}
export function useBundleYaml(name: string | null, version: number | null) {
  return useQuery(`bundles:yaml:${name ?? ''}:${version ?? ''}`, () => getBundleYaml(name ?? '', version ?? 0), {
    enabled: !!name && !!version,
  });
}
export function useDeployments(bundleName?: string) {
  return useQuery(`deployments:${bundleName ?? '*'}`, () => listDeployments({ bundle_name: bundleName }));
}
export function useSigningKey() {
  return useQuery('settings:signing-key', getSigningKey);
}
