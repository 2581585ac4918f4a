#!/usr/bin/env node
// Wires the Jupyter side (kernel/) to the Delve interpreter (src/); neither imports the other.
const { main } = require('../dist/kernel/main.js');
main(process.argv.slice(2), (idle) => require('../dist/src/interpreter.js').createDelveInterpreter(idle));
