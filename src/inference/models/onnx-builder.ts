/**
 * Collects the nodes, initializers, inputs and outputs of an ONNX graph and serialises the ModelProto
 * with the `onnx-proto` schema (opset 13: Pad, Split, Clip and Resize take their parameters as inputs).
 * Weights are written as raw little-endian bytes, which is how large initializers are stored in ONNX.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;
const AttrType = onnx.AttributeProto.AttributeType;

export const ONNX_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

export type AttrValue = number | string | number[] | { float: number };

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttrType.INT, i: value };
  return { name, type: AttrType.FLOAT, f: value.float };
}

function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A name not used yet in the graph, derived from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}__${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (fresh, derived from `hint`). */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, hint = opType, outputCount = 1): string[] {
    const outputs = Array.from({ length: outputCount }, (_, k) => this.fresh(outputCount === 1 ? hint : `${hint}:${k}`));
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outputs,
      name: this.fresh(`${hint}/node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Adds a node writing to names reserved before (the graph's outputs). */
  nodeTo(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}): void {
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [...outputs],
      name: this.fresh(`${outputs[0] ?? opType}/node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
  }

  /** A float32 initializer. */
  floats(hint: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [...dims], rawData: rawBytes(data) });
    return name;
  }

  /** An int64 initializer (shapes, pads, axes). */
  ints(hint: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dataType: DataType.INT64,
      dims: [...dims],
      rawData: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))),
    });
    return name;
  }

  input(name: string, dims: readonly number[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: readonly number[]): void {
    this.outputs.push(valueInfo(name, dims));
  }

  /** Serialised ModelProto; `metadata` lands in metadata_props (source package, hashes). */
  encode(graphName: string, metadata: Record<string, string> = {}): Uint8Array {
    const model: onnxProto.onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'panoptes',
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

function valueInfo(name: string, dims: readonly number[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}
