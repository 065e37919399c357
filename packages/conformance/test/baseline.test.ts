import { BaselineManager } from '@pygc/baseline'
import { describeConformance } from '../src/index.js'

describeConformance('baseline', () => new BaselineManager())
