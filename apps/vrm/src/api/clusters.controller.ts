// Clusters, adding hosts to them, rule groups (F12) and DRS recommendations (F9).
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ClusterPatch, ClusterSpec, HostSpec, protocol, RuleSpec } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { parse, zodPipe } from '@virtsim/service-kit';
import { z } from 'zod';
import { Roles } from '../http/auth.js';
import { BodyDoc, QueryDoc } from '../http/openapi.js';
import { nextId, streams } from '../state.js';
import { askPersistently } from '../step-retry.js';
import { Vrm } from '../vrm.service.js';
import { clusterResource, hostResource, ListQuery, page, ruleResource } from './resources.js';

@ApiTags('clusters')
@Controller('clusters')
export class ClustersController {
  constructor(private readonly vrm: Vrm) {}

  @Post()
  @Roles('admin')
  @BodyDoc(ClusterSpec)
  async create(@Body(zodPipe(ClusterSpec, 'cluster')) spec: z.infer<typeof ClusterSpec>) {
    const { clusterId } = await this.vrm.run((s) => {
      const clusterId = nextId(s, 'c');
      const events = inventory.clusterDecider.decide({ type: 'CreateCluster', clusterId, spec }, s.inventory);
      return { appends: [{ streamId: streams.cluster(clusterId), events }], result: { clusterId } };
    });
    return clusterResource(this.cluster(clusterId), this.vrm.state.inventory.vms);
  }

  @Get()
  @QueryDoc(ListQuery)
  list(@Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const p = page(Object.values(this.vrm.state.inventory.clusters), q);
    return { items: p.items.map((c) => clusterResource(c, this.vrm.state.inventory.vms)), nextCursor: p.nextCursor };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return clusterResource(this.cluster(id), this.vrm.state.inventory.vms);
  }

  @Patch(':id')
  @Roles('admin')
  @BodyDoc(ClusterPatch)
  async patch(@Param('id') id: string, @Body(zodPipe(ClusterPatch, 'cluster patch')) patch: z.infer<typeof ClusterPatch>) {
    await this.vrm.run((s) => {
      const events = inventory.clusterDecider.decide({ type: 'ChangeClusterPolicy', clusterId: id, patch }, s.inventory);
      return { appends: [{ streamId: streams.cluster(id), events }], result: {} };
    });
    return clusterResource(this.cluster(id), this.vrm.state.inventory.vms);
  }

  @Post(':id/hosts')
  @Roles('admin', 'operator')
  @BodyDoc(HostSpec)
  async addHost(@Param('id') clusterId: string, @Body(zodPipe(HostSpec, 'host')) spec: z.infer<typeof HostSpec>) {
    const { hostId } = await this.vrm.run((s) => {
      const hostId = nextId(s, 'h');
      const events = inventory.hostDecider.decide({ type: 'AddHost', hostId, clusterId, spec }, s.inventory);
      return { appends: [{ streamId: streams.cluster(clusterId), events }], result: { hostId } };
    });
    return hostResource(inventory.requireHost(this.vrm.state.inventory, hostId));
  }

  @Get(':id/hosts')
  @QueryDoc(ListQuery)
  hosts(@Param('id') clusterId: string, @Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const c = this.cluster(clusterId);
    const p = page(Object.keys(c.hostIds).map((h) => this.vrm.state.inventory.hosts[h]), q);
    return { items: p.items.map(hostResource), nextCursor: p.nextCursor };
  }

  @Post(':id/rules')
  @Roles('admin')
  @BodyDoc(RuleSpec)
  async createRule(@Param('id') clusterId: string, @Body(zodPipe(RuleSpec, 'rule')) spec: z.infer<typeof RuleSpec>) {
    const { ruleId } = await this.vrm.run((s) => {
      const ruleId = nextId(s, 'r');
      const events = inventory.ruleDecider.decide({ type: 'CreateRule', ruleId, clusterId, spec }, s.inventory);
      return { appends: [{ streamId: streams.cluster(clusterId), events }], result: { ruleId } };
    });
    return ruleResource(inventory.requireRule(this.vrm.state.inventory, ruleId));
  }

  @Get(':id/rules')
  @QueryDoc(ListQuery)
  rules(@Param('id') clusterId: string, @Query(zodPipe(ListQuery, 'query')) q: z.infer<typeof ListQuery>) {
    const c = this.cluster(clusterId);
    const p = page(Object.keys(c.ruleIds).map((r) => this.vrm.state.inventory.rules[r]), q);
    return { items: p.items.map(ruleResource), nextCursor: p.nextCursor };
  }

  @Delete(':id/rules/:ruleId')
  @Roles('admin')
  @HttpCode(204)
  async deleteRule(@Param('id') clusterId: string, @Param('ruleId') ruleId: string) {
    this.cluster(clusterId);
    await this.vrm.run((s) => {
      const rule = inventory.requireRule(s.inventory, ruleId);
      if (rule.clusterId !== clusterId) throw inventory.requireRule({ ...s.inventory, rules: {} }, ruleId);
      const events = inventory.ruleDecider.decide({ type: 'DeleteRule', ruleId }, s.inventory);
      return { appends: [{ streamId: streams.cluster(clusterId), events }], result: {} };
    });
  }

  @Get(':id/drs/recommendations')
  async drsRecommendations(@Param('id') clusterId: string) {
    this.cluster(clusterId);
    return this.vrm.ctx.call(protocol.scheduler.drsRecommendations, { clusterId });
  }

  @Post(':id/drs/recommendations/:rid/apply')
  @Roles('admin', 'operator')
  @HttpCode(202)
  async applyRecommendation(@Param('id') clusterId: string, @Param('rid') recommendationId: string) {
    this.cluster(clusterId);
    // a repeat of an applied recommendation answers alreadyApplied: asking again after a lost answer is safe
    return askPersistently(this.vrm, protocol.scheduler.drsApply, { clusterId, recommendationId: parse(z.string().min(1).max(200), recommendationId, 'recommendation id') }, { clusterId });
  }

  private cluster(id: string) {
    return inventory.requireCluster(this.vrm.state.inventory, id);
  }
}
