// The build failed at attnc:generate with the model's diagnostics as Maven errors.
def log = new File(basedir, 'build.log').text
def bad = new File(basedir, 'src/main/attn/bad.attn').canonicalPath

assert log.contains("[ERROR] ${bad}:4:16: error: unknown name `z`") : "the diagnostic, as attnc check prints it"
assert log.contains('    4 |   y = x + relu(z)') : 'the source line under it'
assert log.contains('attnc: 1 error in 1 file:') : 'the goal failure names the count'
assert log.contains('BUILD FAILURE')
// The good model beside it was still compiled.
assert new File(basedir, 'target/generated-sources/attnc/attnc/models/Good.java').isFile()
assert !new File(basedir, 'target/generated-sources/attnc/attnc/models/Bad.java').exists()
return true
