set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "fig1_fractions_cpu_long_params.png"
set label 1000 "Figure 3, cpu_long: performance vs. number of learned parameters (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
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
data = "fig1_fractions_cpu_long_params.dat"
plot data index 0 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed random: 4.0 points per decade, R² 0.96", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle, \
  data index 2 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 4 dashtype 2 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed zero: 21.8 points per decade, R² 0.72", \
  data index 3 using 1:2 with lines linecolor rgb '#0072B2' dashtype 2 linewidth 2 notitle
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "fig1_fractions_cpu_long_params.svg"
set label 1000 "Figure 3, cpu_long: performance vs. number of learned parameters (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest accuracy against learned parameters, with a least-squares line in log10 parameters" at screen 0.5, screen 0.975 center front
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
data = "fig1_fractions_cpu_long_params.dat"
plot data index 0 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed random: 4.0 points per decade, R² 0.96", \
  data index 1 using 1:2 with lines linecolor rgb '#0072B2' dashtype 1 linewidth 2 notitle, \
  data index 2 using 1:2:3 with yerrorbars linecolor rgb '#0072B2' pointtype 4 dashtype 2 linewidth 2 pointsize 1.3 title "WRN-10-2, fixed zero: 21.8 points per decade, R² 0.72", \
  data index 3 using 1:2 with lines linecolor rgb '#0072B2' dashtype 2 linewidth 2 notitle
unset output
