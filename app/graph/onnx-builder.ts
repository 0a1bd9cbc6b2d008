import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType as DataType,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';

export { DataType };

/** An attribute value; the kind is explicit because ONNX rejects a float written as an int. */
export type Attr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: number[] }
  | { ints: number[] }
  | { t: TensorProto }
  | { g: GraphProto };

/** A dimension: a fixed size or a symbolic name. */
export type Dim = number | string;

export const OPSET = 17;
export const MS_DOMAIN = 'com.microsoft';

/**
 * Receives the encoded model piece by piece (a file, or a list kept in memory). A chunk may be a
 * view of a weight array: it must be consumed (written or copied) before the call returns.
 */
export type ModelSink = (chunk: Uint8Array) => void;

/**
 * Where a streaming build puts large float weights instead of inside the model: a second file
 * (`location`, relative to the model's folder) that onnxruntime maps into memory rather than
 * copying. `write` appends the bytes and returns their offset, aligned as onnxruntime's mmap
 * needs (a page).
 */
export interface ExternalWeights {
  location: string;
  /** Weights smaller than this stay inline (ONNX shape inference needs int64 constants inline anyway). */
  minBytes: number;
  write(raw: Uint8Array): number;
}

/** Builds one ONNX graph node by node; names are generated so callers deal in values, not strings. */
export class GraphBuilder {
  private nodes: NodeProto[] = [];
  private readonly initializers: RawInitializer[] = [];
  /** Bytes of weights handed to the sink so far (streaming builds report progress with it). */
  initializerBytes = 0;
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;
  private scope = '';
  private usesMsDomain = false;

  /**
   * With a sink, each initializer is encoded and handed over as soon as it is made, and no
   * reference to its data is kept: building AST-base then never holds the weights twice (the
   * transposed copies die one by one) nor a 350 MB serialised model. `finish` adds the structure.
   * Without one, everything is kept until `toBytes`.
   */
  constructor(
    private readonly sink?: ModelSink,
    private readonly external?: ExternalWeights,
  ) {}

  /** Prefixes generated names (e.g. `layer3/`), which keeps profiles and errors readable. */
  inScope<T>(scope: string, fn: () => T): T {
    const prev = this.scope;
    this.scope = scope;
    try {
      return fn();
    } finally {
      this.scope = prev;
    }
  }

  private fresh(hint: string): string {
    return `${this.scope}${hint}_${this.counter++}`;
  }

  input(name: string, type: DataType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares a graph output; `value` is renamed through an Identity so names stay stable. */
  output(name: string, value: string, type: DataType, dims: Dim[]): void {
    this.nodes.push(create(NodeProtoSchema, { opType: 'Identity', input: [value], output: [name], name: `out_${name}` }));
    this.outputs.push(valueInfo(name, type, dims));
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { domain?: string; outputs?: number } = {}): string {
    return this.opMulti(opType, inputs, attrs, { ...opts, outputs: 1 })[0];
  }

  opMulti(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { domain?: string; outputs?: number } = {}): string[] {
    const n = opts.outputs ?? 1;
    const outs = Array.from({ length: n }, () => this.fresh(opType.toLowerCase()));
    if (opts.domain === MS_DOMAIN) this.usesMsDomain = true;
    this.nodes.push(
      create(NodeProtoSchema, {
        opType,
        domain: opts.domain ?? '',
        name: this.fresh(`n_${opType}`),
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /**
   * An If node. Each branch callback adds its nodes to its own subgraph (values of the enclosing
   * graph are visible inside) and returns its results; both branches return values of `types`, in
   * order, whose shapes may differ. Constants made inside a branch land in the main graph.
   */
  ifElse(cond: string, types: DataType[], thenBranch: () => string[], elseBranch: () => string[]): string[] {
    const branch = (name: string, build: () => string[]): GraphProto => {
      const outer = this.nodes;
      this.nodes = [];
      try {
        const results = build();
        if (results.length !== types.length) throw new Error(`If branch ${name} returned ${results.length} values, expected ${types.length}`);
        // Subgraph outputs need names of their own (a branch may pass an outer value through).
        const outputs = results.map((value, i) => {
          const out = this.fresh(`${name}_out`);
          this.nodes.push(create(NodeProtoSchema, { opType: 'Identity', input: [value], output: [out], name: this.fresh('n_Identity') }));
          return valueInfo(out, types[i], null);
        });
        return create(GraphProtoSchema, { name: this.fresh(name), node: this.nodes, output: outputs });
      } finally {
        this.nodes = outer;
      }
    };
    const thenGraph = branch('then', thenBranch);
    const elseGraph = branch('else', elseBranch);
    return this.opMulti('If', [cond], { then_branch: { g: thenGraph }, else_branch: { g: elseGraph } }, { outputs: types.length });
  }

  floatTensor(data: Float32Array, dims: number[], hint = 'w'): string {
    const name = this.fresh(hint);
    this.addInitializer({ name, dataType: DataType.FLOAT, dims, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** A tensor of any element type from its little-endian bytes (8-bit weights); not copied until encoded. */
  rawTensor(dataType: DataType, raw: Uint8Array, dims: number[], hint = 'w'): string {
    const name = this.fresh(hint);
    this.addInitializer({ name, dataType, dims, raw });
    return name;
  }

  int64Tensor(values: number[], dims: number[] = [values.length], hint = 'c'): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.addInitializer({ name, dataType: DataType.INT64, dims, raw: new Uint8Array(data.buffer) });
    return name;
  }

  /** A scalar float constant (0-d). */
  scalar(value: number, hint = 'k'): string {
    return this.floatTensor(Float32Array.of(value), [], hint);
  }

  /** A scalar int64 constant (0-d). */
  int64Scalar(value: number, hint = 'k'): string {
    return this.int64Tensor([value], [], hint);
  }

  private addInitializer(t: RawInitializer): void {
    if (!this.sink) {
      this.initializers.push(t);
      return;
    }
    // Each initializer goes out as a `graph` field of its own holding just that tensor: protobuf
    // parsers merge repeated occurrences of a message field (repeated `initializer` fields
    // concatenate), so the structure can follow at the end, once every node is known.
    this.initializerBytes += t.raw.byteLength;
    // int64 constants stay inline whatever their size: ONNX shape inference reads them.
    if (this.external && t.dataType !== DataType.INT64 && t.raw.byteLength >= this.external.minBytes) {
      const offset = this.external.write(t.raw);
      const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
      const proto = create(TensorProtoSchema, {
        name: t.name,
        dataType: t.dataType,
        dims: t.dims.map((d) => BigInt(d)),
        dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: [entry('location', this.external.location), entry('offset', String(offset)), entry('length', String(t.raw.byteLength))],
      });
      this.sink(toBinary(ModelProtoSchema, create(ModelProtoSchema, { graph: create(GraphProtoSchema, { initializer: [proto] }) })));
      return;
    }
    const [head, raw] = encodeTensor(t);
    const prefix = new Uint8Array(1 + varintSize(head.byteLength + raw.byteLength));
    prefix[0] = (MODEL_GRAPH_FIELD << 3) | WIRE_LEN;
    writeVarint(prefix, 1, head.byteLength + raw.byteLength);
    this.sink(prefix);
    this.sink(head);
    this.sink(raw);
  }

  /** The model without initializers: opsets, inputs, outputs, nodes (a few hundred kB). */
  private structure(producer: string): Uint8Array {
    const opsets = [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(OPSET) })];
    if (this.usesMsDomain) opsets.push(create(OperatorSetIdProtoSchema, { domain: MS_DOMAIN, version: 1n }));
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: producer,
      opsetImport: opsets,
      graph: create(GraphProtoSchema, {
        name: 'tome_ast',
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return toBinary(ModelProtoSchema, model);
  }

  /** Streaming builds: hands the structure to the sink after the initializers; the model is then complete. */
  finish(producer: string): void {
    if (!this.sink) throw new Error('finish() is for a builder made with a sink; use toBytes()');
    this.sink(this.structure(producer));
  }

  toBytes(producer: string): Uint8Array {
    if (this.sink) throw new Error('toBytes() is for a builder without a sink; use finish()');
    // The structure goes through the protobuf library; the weights (hundreds of MB for AST-base)
    // are appended as a second `graph` field, which protobuf parsers merge into the first
    // (repeated `initializer` fields concatenate). Encoding them through the library took ~9 s.
    const structure = this.structure(producer);
    const inits = this.initializers.map(encodeTensor);
    const graphLen = inits.reduce((n, [head, raw]) => n + head.byteLength + raw.byteLength, 0);
    const out = new Uint8Array(structure.byteLength + 1 + varintSize(graphLen) + graphLen);
    out.set(structure, 0);
    let at = structure.byteLength;
    out[at++] = (MODEL_GRAPH_FIELD << 3) | WIRE_LEN;
    at = writeVarint(out, at, graphLen);
    for (const [head, raw] of inits) {
      out.set(head, at);
      at += head.byteLength;
      out.set(raw, at);
      at += raw.byteLength;
    }
    return out;
  }
}

interface RawInitializer {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Little-endian bytes, not copied until the model is encoded. */
  raw: Uint8Array;
}

const MODEL_GRAPH_FIELD = 7; // ModelProto.graph
const GRAPH_INITIALIZER_FIELD = 5; // GraphProto.initializer
const TENSOR_RAW_DATA_FIELD = 9; // TensorProto.raw_data
const WIRE_LEN = 2;

/**
 * One `initializer` field of a GraphProto, as [everything up to the raw bytes, the raw bytes]:
 * the tensor header via the library, raw_data's tag and length by hand, the weights themselves
 * not copied.
 */
function encodeTensor(t: RawInitializer): [Uint8Array, Uint8Array] {
  const header = toBinary(TensorProtoSchema, create(TensorProtoSchema, { name: t.name, dataType: t.dataType, dims: t.dims.map((d) => BigInt(d)) }));
  const bodyLen = header.byteLength + 1 + varintSize(t.raw.byteLength) + t.raw.byteLength;
  const head = new Uint8Array(1 + varintSize(bodyLen) + header.byteLength + 1 + varintSize(t.raw.byteLength));
  let at = 0;
  head[at++] = (GRAPH_INITIALIZER_FIELD << 3) | WIRE_LEN;
  at = writeVarint(head, at, bodyLen);
  head.set(header, at);
  at += header.byteLength;
  head[at++] = (TENSOR_RAW_DATA_FIELD << 3) | WIRE_LEN;
  writeVarint(head, at, t.raw.byteLength);
  return [head, t.raw];
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    buf[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

function attribute(name: string, v: Attr): AttributeProto {
  if ('f' in v) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: v.f });
  if ('i' in v) return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(v.i) });
  if ('s' in v) return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(v.s) });
  if ('floats' in v) return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: v.floats });
  if ('ints' in v) return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: v.ints.map((x) => BigInt(x)) });
  if ('t' in v) return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: v.t });
  return create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: v.g });
}

function tensor(name: string, dataType: DataType, dims: number[], raw: Uint8Array): TensorProto {
  // Copy: the protobuf must own an ArrayBuffer-backed array of exactly this length.
  const rawData = new Uint8Array(raw.byteLength);
  rawData.set(raw);
  return create(TensorProtoSchema, { name, dataType, dims: dims.map((d) => BigInt(d)), rawData });
}

/** A tensor literal for attributes such as ConstantOfShape's `value`. */
export function tensorLiteral(dataType: DataType, values: number[]): TensorProto {
  if (dataType === DataType.FLOAT) {
    const a = Float32Array.from(values);
    return tensor('', dataType, [values.length], new Uint8Array(a.buffer));
  }
  const a = BigInt64Array.from(values.map((v) => BigInt(v)));
  return tensor('', DataType.INT64, [values.length], new Uint8Array(a.buffer));
}

/** `dims` null leaves the shape unspecified (If branch outputs whose shapes differ between branches). */
function valueInfo(name: string, elemType: DataType, dims: Dim[] | null): ValueInfoProto {
  const shape =
    dims === null
      ? undefined
      : create(TensorShapeProtoSchema, {
          dim: dims.map((d) =>
            create(TensorShapeProto_DimensionSchema, {
              value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
            }),
          ),
        });
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape }) } }),
  });
}
