// Opens N concurrent streamed completions that the upstream holds open (stall scenario), waits
// until all have their first event, prints the count, then waits for a line on stdin to close them.
import http from 'node:http';

const [url, key, count] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const body = JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'hold [[fake:stall after=1]]' }] });
let open = 0;
const requests = [];
await new Promise((resolve, reject) => {
  for (let i = 0; i < count; i++) {
    const req = http.request(`${url}/v1/chat/completions`, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.once('data', () => { open += 1; if (open === count) resolve(); });
      res.on('error', () => {});
    });
    req.on('error', reject);
    req.end(body);
    requests.push(req);
  }
});
console.log(`open ${open}`);
process.stdin.once('data', () => { for (const r of requests) r.destroy(); process.exit(0); });
