// Both backends' classes are there, in the configured package, and the second run compiled nothing.
def out = new File(basedir, 'target/generated-sources/attnc/it/models')
assert new File(out, 'Block.java').isFile()
assert new File(out, 'BlockTornado.java').isFile()
assert new File(out, 'Block.java').text.startsWith('package it.models;')
def log = new File(basedir, 'build.log').text
assert log.contains('attnc: 1 file up to date') : 'the second build skipped the unchanged file'
return true
