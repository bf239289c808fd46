/** Injection token for the service's `MeshContext` (manifest, identity source, audit log). */
export const MESH_CONTEXT = Symbol('MESH_CONTEXT');
