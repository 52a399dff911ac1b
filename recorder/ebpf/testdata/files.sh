# File syscalls for the paths parity test (as root): run in a directory holding lnk -> /etc
# and a file pre.
set -e
mkdir d d/sub
echo x > pre
echo a > d/f
echo b > d/f
: >> d/f
mv d/f d/g
ln d/g d/h
ln -s g d/s
chmod 600 d/g
chown "$(id -u):$(id -g)" d/g
mkdir own
chown 65534 own
: > d/nob
chown 65534 d/nob
chmod 600 d/nob
truncate -s 0 d/h
mkfifo d/p
touch d/t d/g
cat lnk/hostname > /dev/null
cat /nonexistent 2> /dev/null || :
cat d/nothere 2> /dev/null || :
mkdir d 2> /dev/null || :
cd d
cat g s > /dev/null
rm h p
rmdir sub
cd ..
ls d > /dev/null
stat d/g > /dev/null
readlink d/s > /dev/null
find d > /dev/null
rm -r d
rmdir own
