set terminal pngcairo noenhanced size 1100,900 font 'Sans,11'
set output "weights.png"
set multiplot layout 2,1 title "Figure 6 at CPU scale: weight distribution across convolutional layers\nmean |w| and variance per conv layer: learned weights of each run, and the fixed ones"
data = "weights.dat"
set grid
set border 3
set tics nomirror
set key outside right top vertical Left reverse
set xlabel 'conv layer (forward order)'
set ylabel 'mean |w|'
plot data index 0 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#0072B2' title "learned, 0.1 / seed-1", \
  data index 1 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#D55E00' title "learned, 0.4 / seed-1", \
  data index 2 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#009E73' title "learned, 0.7 / seed-1", \
  data index 3 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#CC79A7' title "learned, 1.0 / seed-1", \
  data index 4 using 1:2 with lines dashtype 2 linewidth 2 lc rgb '#777777' title 'fixed (random initialization)'
set ylabel 'variance of w (log scale)'
set logscale y
plot data index 0 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#0072B2' title "learned, 0.1 / seed-1", \
  data index 1 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#D55E00' title "learned, 0.4 / seed-1", \
  data index 2 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#009E73' title "learned, 0.7 / seed-1", \
  data index 3 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#CC79A7' title "learned, 1.0 / seed-1", \
  data index 4 using 1:3 with lines dashtype 2 linewidth 2 lc rgb '#777777' title 'fixed (random initialization)'
unset multiplot
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,900 font 'Sans,11'
set output "weights.svg"
set multiplot layout 2,1 title "Figure 6 at CPU scale: weight distribution across convolutional layers\nmean |w| and variance per conv layer: learned weights of each run, and the fixed ones"
data = "weights.dat"
set grid
set border 3
set tics nomirror
set key outside right top vertical Left reverse
set xlabel 'conv layer (forward order)'
set ylabel 'mean |w|'
plot data index 0 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#0072B2' title "learned, 0.1 / seed-1", \
  data index 1 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#D55E00' title "learned, 0.4 / seed-1", \
  data index 2 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#009E73' title "learned, 0.7 / seed-1", \
  data index 3 using 1:2 with linespoints linewidth 2 pointtype 7 linecolor rgb '#CC79A7' title "learned, 1.0 / seed-1", \
  data index 4 using 1:2 with lines dashtype 2 linewidth 2 lc rgb '#777777' title 'fixed (random initialization)'
set ylabel 'variance of w (log scale)'
set logscale y
plot data index 0 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#0072B2' title "learned, 0.1 / seed-1", \
  data index 1 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#D55E00' title "learned, 0.4 / seed-1", \
  data index 2 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#009E73' title "learned, 0.7 / seed-1", \
  data index 3 using 1:3 with linespoints linewidth 2 pointtype 7 linecolor rgb '#CC79A7' title "learned, 1.0 / seed-1", \
  data index 4 using 1:3 with lines dashtype 2 linewidth 2 lc rgb '#777777' title 'fixed (random initialization)'
unset multiplot
unset output
