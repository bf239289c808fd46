/** The service under test and its route: the real inventory service, answering its real list. */
export const SERVICE = 'inventory';
export const ROUTE = '/inventory';
/** The caller whose certificate the load generators present: the manifest lets it call `GET /inventory` on inventory. */
export const CALLER = 'gateway';
