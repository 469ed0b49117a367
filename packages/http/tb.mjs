import { Type } from 'typebox';
import { Type as T0 } from '@sinclair/typebox';
const s = Type.Object({ a: Type.String({minLength:1}), b: Type.Optional(Type.Integer()) });
console.log(JSON.stringify(s), Object.getOwnPropertyNames(s), Object.getOwnPropertySymbols(s));
const s0 = T0.Object({ a: T0.String(), b: T0.Optional(T0.Integer()) });
console.log(JSON.stringify(s0), Object.getOwnPropertySymbols(s0));
