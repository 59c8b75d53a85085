import { startServer } from '../server';
import { exitOnFailure } from './exit';

startServer().catch(exitOnFailure);
