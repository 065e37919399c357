import { describeConformance } from '@pygc/conformance'
import { CPythonManager } from '../src/index.js'

describeConformance('cpython-3.11', () => new CPythonManager(), { moving: false })
