// kafkajs' record batch encoders, which it ships without types; only the tests use them.
declare module "kafkajs/src/protocol/recordBatch/v0/index.js" {
  const recordBatchModule: { RecordBatch: (args: any) => Promise<{ buffer: Buffer }> };
  export default recordBatchModule;
}
declare module "kafkajs/src/protocol/recordBatch/record/v0/index.js" {
  const record: (args: any) => any;
  export default record;
}
