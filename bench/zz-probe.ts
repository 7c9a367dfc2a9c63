import { startEmbeddedConsole } from './stream-memory.bench.js';
import { request } from 'node:http';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const c = await startEmbeddedConsole();
const conn = (i: number) => new Promise<void>((done) => {
  const req = request(`${c.url}/api/v1/stream?env=production&bundle_name=fleet`, { agent: false, headers: { ...c.agentHeaders, 'x-edictum-agent-id': `q-${i}` } });
  req.on('response', () => { done(); });
  req.end();
});
await Promise.all(Array.from({ length: 100 }, (_, i) => conn(i)));
const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.start');
const cpu0 = process.cpuUsage(); const t0 = Date.now();
for (let k = 0; k < 5; k++) await Promise.all(Array.from({ length: 100 }, (_, i) => conn(1000 + k * 100 + i)));
const cpu = process.cpuUsage(cpu0);
const { profile } = await s.post('Profiler.stop');
writeFileSync('/tmp/connect.cpuprofile', JSON.stringify(profile));
console.log('500 connects wall', Date.now() - t0, 'ms cpu', ((cpu.user + cpu.system) / 1000).toFixed(0), 'ms');
process.exit(0);
