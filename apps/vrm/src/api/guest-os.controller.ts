// GET /api/v1/guest-os: the guest OS compatibility list (F1), the same table inventory (F4 online CPU / memory
// change) and the io-backend (I3 PV drivers) decide with, and what a guest not on the list gets.
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { inventory } from '@virtsim/domain';
import { z } from 'zod';
import { jsonSchema } from '../http/openapi.js';

const Support = { pvDrivers: z.enum(['inbox', 'tools', 'custom']), mainstream: z.boolean(), onlineCpu: z.boolean(), onlineMemory: z.boolean(), hugePages: z.boolean().describe('the guest kernel can use 2 MiB huge pages (M3)') };
const GuestOsList = z.object({
  items: z.array(z.object({ family: z.enum(['linux', 'windows']), distro: z.string(), version: z.string().describe('a release: it covers its point releases (7 covers 7.9)'), ...Support })),
  distroAliases: z.record(z.string(), z.string()),
  unknown: z.object({ linux: z.object(Support), windows: z.object(Support) }).describe('what a guest not on the list gets: it is allowed, never mainstream'),
});

@ApiTags('guest-os')
@Controller('guest-os')
export class GuestOsController {
  @Get()
  @ApiOkResponse({ description: 'the guest OS compatibility list (F1)', schema: jsonSchema(GuestOsList) })
  list(): z.infer<typeof GuestOsList> {
    return { items: [...inventory.GUEST_OS_TABLE], distroAliases: { ...inventory.DISTRO_ALIASES }, unknown: { ...inventory.UNKNOWN_GUEST_RULES } };
  }
}
