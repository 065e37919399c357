import { BaselineManager } from '@pygc/core'
import { describeConformance } from '../src/index.js'

describeConformance('baseline', () => new BaselineManager())
