/** The console's public URL as the browser sees it (what agents should use too). */
export function consoleBaseUrl(): string {
  return window.location.origin;
}

export function pythonSnippet(key: string, env: string, baseUrl = consoleBaseUrl()): string {
  return `pip install "edictum[server]"

export EDICTUM_URL=${baseUrl}
export EDICTUM_API_KEY=${key}

# in your agent
from edictum import Edictum

guard = await Edictum.from_server(
    url="${baseUrl}",
    api_key="${key}",
    agent_id="my-agent",
    environment="${env}",
)`;
}

export function tsSnippet(key: string, env: string, baseUrl = consoleBaseUrl()): string {
  return `npm install @edictum/server

import { createServerGuard } from '@edictum/server';

const { guard, close } = await createServerGuard({
  url: '${baseUrl}',
  apiKey: '${key}', // or process.env.EDICTUM_API_KEY
  agentId: 'my-agent',
  environment: '${env}',
});`;
}
