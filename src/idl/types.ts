/** Service descriptors: what an IDL file says, in a form the server, proxy, clients and codegen share. */

export type PrimitiveName =
  | 'object' | 'bool'
  | 'byte' | 'short' | 'int' | 'long'
  | 'ubyte' | 'ushort' | 'uint' | 'ulong'
  | 'float' | 'double'
  | 'raw' | 'string' | 'datum';

export type IdlType =
  | { kind: 'primitive'; name: PrimitiveName }
  | { kind: 'list'; elem: IdlType }
  | { kind: 'map'; key: IdlType; value: IdlType }
  | { kind: 'nullable'; inner: IdlType }
  /** A message, enum or exception declared in the IDL, by name (resolved through the descriptor). */
  | { kind: 'user'; name: string };

export interface Field {
  /** The field number as written; parsed but ignored on the wire (fields travel in declaration order). */
  id: number;
  name: string;
  type: IdlType;
}

export interface MessageDecl {
  name: string;
  /** `message foo("cpp::type")` override, kept for codegen. */
  typeOverride?: string;
  fields: Field[];
}

export interface EnumDecl {
  name: string;
  values: Array<{ value: number; name: string }>;
}

export interface ExceptionDecl {
  name: string;
  parent?: string;
  fields: Field[];
}

export type Routing =
  | { kind: 'random' }
  | { kind: 'broadcast' }
  | { kind: 'cht'; n: number }
  | { kind: 'internal' };

export type LockKind = 'update' | 'analysis' | 'nolock';

export type AggregatorName = 'pass' | 'all_and' | 'all_or' | 'concat' | 'merge' | 'add';

export interface MethodDecl {
  name: string;
  /** `null` means `void`. */
  returnType: IdlType | null;
  /** IDL parameters; the cluster name that precedes them on the wire is not listed. */
  params: Field[];
  routing: Routing;
  lock: LockKind;
  aggregator: AggregatorName;
  /** `#-` doc lines directly above the method, in order, without the marker. */
  doc: string[];
  /** 1-based position of the method name, for messages that point back at the IDL. */
  line: number;
  col: number;
}

export interface ServiceDecl {
  name: string;
  methods: MethodDecl[];
}

export interface IdlFile {
  file: string;
  includes: string[];
  enums: EnumDecl[];
  messages: MessageDecl[];
  exceptions: ExceptionDecl[];
  services: ServiceDecl[];
}

/** One service with every user type it can see, as the server, proxy and clients use it. */
export interface ServiceDescriptor {
  name: string;
  methods: Map<string, MethodDecl>;
  messages: Map<string, MessageDecl>;
  enums: Map<string, EnumDecl>;
  /** True when any method routes by `cht`: servers then register ring entries. */
  useCht: boolean;
}
