// The kernel entry the protocol tests start: the real kernel/main with the echo interpreter.
import { main } from '../../kernel/main';
import { EchoInterpreter } from './echo-interpreter';

main(process.argv.slice(2), (idle) => new EchoInterpreter(idle));
