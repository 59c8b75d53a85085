import { exitOnFailure, startServer } from '../server';

startServer().catch(exitOnFailure);
