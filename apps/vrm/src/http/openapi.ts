// OpenAPI generated from the same zod schemas the handlers validate with (zod's JSON Schema output),
// attached through @nestjs/swagger decorators; served at /api/v1/openapi.json and as a UI at /api/v1/docs.
import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBody, ApiQuery, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** documents a JSON body with its zod schema */
export const BodyDoc = (schema: z.ZodType, description?: string) => ApiBody({ schema: jsonSchema(schema), description });

/** documents query parameters from a zod object */
export const QueryDoc = (schema: z.ZodObject) =>
  applyDecorators(...Object.entries(schema.shape).map(([name, s]) => ApiQuery({ name, required: !(s as z.ZodType).safeParse(undefined).success, schema: jsonSchema(s as z.ZodType) })));

export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('virtsim')
    .setDescription('Simulated compute virtualization (FusionCompute / vSphere style): clusters, hosts, VMs, HA, DRS, DPM, migration, replay.')
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/v1/docs', app, document, { jsonDocumentUrl: 'api/v1/openapi.json', useGlobalPrefix: false });
}
