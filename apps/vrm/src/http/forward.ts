// A standby vrm forwards every API call to the leader (the address the leader advertised,
// VIRTSIM_ADVERTISE_URL), so that a Service or load balancer in front of both answers from either pod
// (deploy/k8s). Probes, /metrics and GET /leader stay local. Without a leader address, or for a call a
// standby already forwarded (the leader changed meanwhile), the call stays here and LeaderGuard answers
// 503 naming the leader.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HTTP_STATUS, VirtsimError } from '@virtsim/contracts';
import { carriedHeaders } from '@virtsim/messaging';
import { addReadinessCheck, LeaderElector, problem, Runtime, vrmEpoch, vrmLeader } from '@virtsim/service-kit';

export const FORWARDED_HEADER = 'x-virtsim-forwarded-by';
const LOCAL = /^\/(health(\/.*)?|metrics|api\/v1\/(health(\/.*)?|metrics|leader))$/;
const CACHE_MS = 1000;

/** the leader's address as the log's lease row names it, cached for a second */
export class LeaderAddress {
  private cached: { url: string | null; at: number } | null = null;
  constructor(private readonly leader: LeaderElector, private readonly self: string | null) {}

  async url(): Promise<string | null> {
    const now = performance.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const info = await this.leader.info().catch(() => null);
      this.cached = { url: info?.url && info.url !== this.self ? info.url : null, at: now };
    }
    return this.cached.url;
  }
}

/** readiness of a vrm (it leads, or it knows the leader to forward to) and its leader / epoch gauges */
export function vrmLeadership(rt: Runtime, leader: LeaderElector): void {
  const address = new LeaderAddress(leader, rt.config.VIRTSIM_ADVERTISE_URL ?? null);
  addReadinessCheck(rt, async () => (leader.isLeader || (await address.url()) ? null : 'standby vrm: no leader address to forward API calls to'));
  const gauges = () => {
    vrmLeader.set({ holder: leader.holder }, leader.isLeader ? 1 : 0);
    vrmEpoch.set({ holder: leader.holder }, leader.isLeader ? leader.epoch : 0);
  };
  gauges();
  leader.on('elected', gauges);
  leader.on('deposed', gauges);
}

export function forwardToLeader(app: INestApplication): (req: Request, res: Response, next: NextFunction) => void {
  const leader = app.get(LeaderElector, { strict: false });
  const address = new LeaderAddress(leader, app.get(Runtime, { strict: false }).config.VIRTSIM_ADVERTISE_URL ?? null);
  return (req, res, next) => {
    if (leader.isLeader || LOCAL.test(req.path) || req.headers[FORWARDED_HEADER]) return next();
    address.url().then((target) => (target ? proxy(req, res, target, leader.holder) : next()), () => next());
  };
}

function proxy(req: Request, res: Response, target: string, self: string): void {
  const url = new URL(req.originalUrl, target);
  // the request id and trace context of this call (the one made up here when the client sent none) go along
  const headers: IncomingHttpHeaders = { ...req.headers, ...carriedHeaders(), host: url.host, [FORWARDED_HEADER]: self };
  const upstream = httpRequest(url, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (err) => {
    if (res.headersSent) return res.destroy(err);
    const e = new VirtsimError('unavailable', `this vrm is the standby and the leader at ${target} did not answer: ${err.message}`, { rule: 'leader.standby', leader: target });
    res.status(HTTP_STATUS[e.code]).type('application/problem+json').send(JSON.stringify(problem(e)));
  });
  req.pipe(upstream);
}
