set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "fig4_batchnorm_cpu_params.png"
set label 1000 "Figure 4 at CPU scale: learned parameters, with and without batch-norm layers (Fashion-MNIST, 3 epochs)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "fig4_batchnorm_cpu_params.dat"
plot data index 0 using 1:2 with points linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, with-bn: 5.5 points per decade", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle, \
  data index 2 using 1:2 with points linecolor rgb '#0072B2' pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "WRN-10-2, without-bn: 6.9 points per decade", \
  data index 3 using 1:2 with lines linecolor rgb '#0072B2' dashtype 4 linewidth 2 notitle, \
  data index 4 using 1:2 with points linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "DenseNet-BC-22-8, with-bn: 6.4 points per decade", \
  data index 5 using 1:2 with lines linecolor rgb '#D55E00' dashtype 1 linewidth 2 notitle, \
  data index 6 using 1:2 with points linecolor rgb '#D55E00' pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "DenseNet-BC-22-8, without-bn: 12.8 points per decade", \
  data index 7 using 1:2 with lines linecolor rgb '#D55E00' dashtype 4 linewidth 2 notitle
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "fig4_batchnorm_cpu_params.svg"
set label 1000 "Figure 4 at CPU scale: learned parameters, with and without batch-norm layers (Fashion-MNIST, 3 epochs)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "fig4_batchnorm_cpu_params.dat"
plot data index 0 using 1:2 with points linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, with-bn: 5.5 points per decade", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle, \
  data index 2 using 1:2 with points linecolor rgb '#0072B2' pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "WRN-10-2, without-bn: 6.9 points per decade", \
  data index 3 using 1:2 with lines linecolor rgb '#0072B2' dashtype 4 linewidth 2 notitle, \
  data index 4 using 1:2 with points linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "DenseNet-BC-22-8, with-bn: 6.4 points per decade", \
  data index 5 using 1:2 with lines linecolor rgb '#D55E00' dashtype 1 linewidth 2 notitle, \
  data index 6 using 1:2 with points linecolor rgb '#D55E00' pointtype 9 dashtype 4 linewidth 2 pointsize 1.3 title "DenseNet-BC-22-8, without-bn: 12.8 points per decade", \
  data index 7 using 1:2 with lines linecolor rgb '#D55E00' dashtype 4 linewidth 2 notitle
unset output
