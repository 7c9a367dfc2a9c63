import { STARTER_BUNDLE_NAME } from './starter-bundle';

/** The console's public URL as the browser sees it (what agents should use too). */
export function consoleBaseUrl(): string {
  return window.location.origin;
}

export interface SnippetOptions {
  /** The full key when it was just created (shown once); otherwise a placeholder is used. */
  apiKey?: string | null;
  env: string;
  bundleName?: string;
  agentId?: string;
  baseUrl?: string;
}

export interface Snippet {
  /** Shell lines: install, and the key as an environment variable (never inside the code). */
  shell: string;
  /** The agent code; reads the key from EDICTUM_API_KEY. */
  code: string;
}

export const KEY_PLACEHOLDER = '<your API key>';

// Both SDK generations (edictum 0.16 / 0.19, @edictum/server 0.2 / 0.4) share the factory and
// its option names, so one snippet per language serves both. The bundle is named: the current
// TypeScript SDK requires it, and a named bundle is served at once instead of waiting up to
// 30 s for an assignment that may never come.
function shellLines(install: string, key: string | null | undefined): string {
  // Quoted, so the placeholder's angle brackets are not read as redirections if pasted as is.
  return `${install}\nexport EDICTUM_API_KEY='${key || KEY_PLACEHOLDER}'`;
}

export function pythonSnippet(o: SnippetOptions): Snippet {
  const base = o.baseUrl ?? consoleBaseUrl();
  return {
    shell: shellLines('pip install "edictum[server]"', o.apiKey),
    code: `import asyncio
import os

from edictum import Edictum


async def main():
    guard = await Edictum.from_server(
        url="${base}",
        api_key=os.environ["EDICTUM_API_KEY"],
        agent_id="${o.agentId ?? 'my-agent'}",
        environment="${o.env}",
        bundle_name="${o.bundleName ?? STARTER_BUNDLE_NAME}",
    )
    # Run your agent's tool calls through guard from here on.


asyncio.run(main())
`,
  };
}

export function tsSnippet(o: SnippetOptions): Snippet {
  const base = o.baseUrl ?? consoleBaseUrl();
  return {
    shell: shellLines('npm install @edictum/server', o.apiKey),
    code: `import { createServerGuard } from '@edictum/server';

const { guard, close } = await createServerGuard({
  url: '${base}',
  apiKey: process.env.EDICTUM_API_KEY!,
  agentId: '${o.agentId ?? 'my-agent'}',
  environment: '${o.env}',
  bundleName: '${o.bundleName ?? STARTER_BUNDLE_NAME}',
});
// Run your agent's tool calls through guard; call close() on shutdown.
`,
  };
}
