/**
 * An EC2-style instance metadata service for a QEMU guest, run on this machine for one test: QEMU's
 * user networking forwards the guest's connections to 169.254.169.254:80 (`guestfwd`) to a small relay
 * (one process per connection, as QEMU's `cmd:` form starts it: bash) that joins them to a server listening
 * on 127.0.0.1 here. The guest sees a link-local network (net=169.254.0.0/16, restrict=on: nothing
 * else is reachable) and DMI that names Amazon EC2, as on an EC2 instance.
 *
 *   imdsv2   PUT /latest/api/token gives a token; GET /latest/user-data answers only with it (401
 *            without, as IMDSv2 with "HttpTokens: required" does)
 *   hang-then-garbage  accepts the first connection and never answers; every later one gets bytes
 *            that are not HTTP, then the connection is closed (a service starting badly: the
 *            client's second try meets the second fault)
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';

export type MetadataMode = 'imdsv2' | 'hang-then-garbage';

export interface MetadataServer {
  /** qemu arguments: the guest's network and DMI */
  qemuArgs: string[];
  /** what the guest asked, in order ("PUT /latest/api/token", "GET /latest/user-data token"…) */
  requests: string[];
  close(): Promise<void>;
}

/**
 * The relay QEMU starts for each connection (its standard input and output are the guest's
 * connection): bash joins them to the server with /dev/tcp, in milliseconds even on a loaded machine.
 */
const relay = (port: number) => `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}; cat <&3 & exec cat >&3'`;

export async function startMetadataServer(mode: MetadataMode, userData = ''): Promise<MetadataServer> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const token = randomBytes(24).toString('base64url');
  let server: net.Server;
  if (mode === 'imdsv2') {
    server = http.createServer((req, res) => {
      const hasToken = req.headers['x-aws-ec2-metadata-token'] === token;
      requests.push(`${req.method} ${req.url}${hasToken ? ' token' : ''}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) {
        res.end(token);
      } else if (req.method === 'GET' && req.url === '/latest/user-data') {
        if (!hasToken) res.writeHead(401).end();
        else res.end(userData);
      } else {
        res.writeHead(404).end();
      }
    });
  } else {
    server = net.createServer((socket) => {
      requests.push('connection');
      if (requests.length > 1) socket.end(Buffer.concat([Buffer.from('\x00\xff garbage \x1b[2J'), randomBytes(200)]));
      // the first: read and never answer; closed with the server
      socket.on('error', () => undefined);
    });
  }
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cmd = relay(port);
  return {
    qemuArgs: [
      '-nic', `user,model=virtio-net-pci,net=169.254.0.0/16,restrict=on,guestfwd=tcp:169.254.169.254:80-cmd:${cmd}`,
      '-smbios', 'type=1,manufacturer=Amazon EC2,product=t3.micro',
    ],
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
