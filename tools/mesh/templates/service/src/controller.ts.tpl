import { __decorators__ } from '@nestjs/common';

const SERVICE = '__name__';

/**
 * __name__'s routes, as mesh.yaml lists them; who may call each is checked
 * before a handler runs (the trust library's authorization hook), so handlers
 * hold business logic only. Give request bodies a schema in libs/contracts and
 * validate them with `@Body(new ZodPipe(Schema))`, as the other services do.
 * To call a peer listed in `calls:`, inject `MeshClient` from @portcullis/trust
 * and `await this.mesh.call('<service>', 'POST', '/path', body)`.
 */
@Controller()
export class __Name__Controller {
__handlers__
}
