import type { FastifyPluginAsync } from 'fastify';
import { httpError } from '../errors.js';
import { examRiskSettings } from '../risk/service.js';
import { apiKeySecurity, errorResponses, EXTERNAL_ID_PATTERN } from './schemas.js';
import { nowIso } from '../clock.js';
import { routePlugin } from '../sync-plugin.js';

const settingsSchema = {
  type: 'object',
  properties: {
    exam_id: { type: 'string' },
    escalation_threshold: { type: 'number' },
    critical_threshold: { type: 'number' },
    auto_pause: { type: 'boolean' },
  },
} as const;

/** Per-exam risk thresholds (docs/RISK.md): escalation opens an incident, critical marks it urgent and may pause. */
export const riskRoutes: FastifyPluginAsync = routePlugin((app) => {
  const params = { type: 'object', required: ['examId'], properties: { examId: { type: 'string', pattern: EXTERNAL_ID_PATTERN } } } as const;

  const read = async (tenantId: string, examId: string) => {
    const r = await examRiskSettings(app.db, tenantId, examId);
    return { exam_id: examId, escalation_threshold: r.escalationThreshold, critical_threshold: r.criticalThreshold, auto_pause: r.autoPause };
  };

  app.get(
    '/exams/:examId/risk-settings',
    {
      schema: { summary: "An exam's risk thresholds and auto-pause", tags: ['risk'], security: apiKeySecurity, params, response: { 200: settingsSchema, ...errorResponses(400, 401) } },
    },
    async (request) => read(request.tenant.id, request.params.examId),
  );

  app.put(
    '/exams/:examId/risk-settings',
    {
      schema: {
        summary: "Set an exam's risk thresholds (0..1, escalation <= critical) and auto-pause at critical",
        tags: ['risk'],
        security: apiKeySecurity,
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            escalation_threshold: { type: 'number', minimum: 0, maximum: 1 },
            critical_threshold: { type: 'number', minimum: 0, maximum: 1 },
            auto_pause: { type: 'boolean' },
          },
        },
        response: { 200: settingsSchema, ...errorResponses(400, 401, 415) },
      },
    },
    async (request) => {
      const tenantId = request.tenant.id;
      const { examId } = request.params;
      const current = await read(tenantId, examId);
      const next = {
        escalation_threshold: request.body.escalation_threshold ?? current.escalation_threshold,
        critical_threshold: request.body.critical_threshold ?? current.critical_threshold,
        auto_pause: request.body.auto_pause ?? current.auto_pause,
      };
      if (next.escalation_threshold > next.critical_threshold) {
        throw httpError(400, 'invalid_thresholds', 'escalation_threshold must not exceed critical_threshold');
      }
      const now = nowIso();
      const values = {
        escalation_threshold: next.escalation_threshold,
        critical_threshold: next.critical_threshold,
        auto_pause: next.auto_pause ? 1 : 0,
        updated_at: now,
      };
      await app.db
        .insertInto('exams')
        .values({ tenant_id: tenantId, id: examId, name: null, settings: null, created_at: now, ...values })
        .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(values))
        .execute();
      return read(tenantId, examId);
    },
  );
});
